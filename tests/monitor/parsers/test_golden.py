"""Every annotated golden log line parses to exactly the expected fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.parsers import PARSERS, get_parser
from tests.monitor.parsers._golden import GOLDEN, load

FILES = sorted(GOLDEN.glob("*.log"))


def _format_of(path: Path) -> str:
    return path.stem


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_golden_file(path):
    """Each line yields the annotated ECS fields (null = absent) or no event."""
    options, cases = load(path)
    parser = get_parser(_format_of(path), **options)
    problems = []
    for case in cases:
        event = parser.parse(case.line, case.line_no, str(case.file))
        if case.expected is None:
            if event is not None:
                problems.append(f"line {case.line_no}: expected no event, got {event.to_ecs()}")
            continue
        if event is None:
            problems.append(f"line {case.line_no}: expected an event, got none")
            continue
        got = event.to_ecs()
        for key, want in case.expected.items():
            if got.get(key) != want:
                problems.append(
                    f"line {case.line_no}: {key}: expected {want!r}, got {got.get(key)!r}"
                )
        assert case.line_no == event.line
    assert [] == problems
    assert len(cases) == parser.stats.lines


def test_every_format_has_golden_data():
    """Each registered format ships a golden file with cases."""
    assert sorted(PARSERS) == sorted(_format_of(p) for p in FILES)


def test_sshd_golden_is_broad():
    """The sshd golden file covers 100+ lines, most of them events."""
    _, cases = load(GOLDEN / "sshd.log")
    assert len(cases) >= 100
    assert sum(1 for c in cases if c.expected is not None) >= 90
