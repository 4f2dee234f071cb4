"""Hostile lines: attribution comes only from what the client cannot write."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.parsers import get_parser
from tests.monitor.parsers._golden import GOLDEN, load

HOSTILE = sorted((GOLDEN / "hostile").glob("*.log"))


@pytest.mark.parametrize("path", HOSTILE, ids=[p.name for p in HOSTILE])
def test_hostile_file(path: Path):
    """Each hostile line yields the annotated address/account and suspicious count."""
    options, cases = load(path)
    parser = get_parser(path.stem, **options)
    problems = []
    for case in cases:
        before = parser.stats.suspicious
        event = parser.parse(case.line, case.line_no, str(case.file))
        flagged = parser.stats.suspicious > before
        expected = dict(case.expected or {})
        want_flag = expected.pop("_suspicious", None)
        if want_flag is not None and want_flag != flagged:
            problems.append(f"line {case.line_no}: suspicious: expected {want_flag}")
        if case.expected is None:
            if event is not None:
                problems.append(f"line {case.line_no}: expected no event, got {event.to_ecs()}")
            continue
        if event is None:
            problems.append(f"line {case.line_no}: expected an event, got none")
            continue
        got = event.to_ecs()
        for key, want in expected.items():
            if got.get(key) != want:
                problems.append(
                    f"line {case.line_no}: {key}: expected {want!r}, got {got.get(key)!r}"
                )
    assert [] == problems


def test_hostile_files_cover_the_attributed_formats():
    """Hostile golden data exists for sshd, nginx-error, combined and json."""
    assert ["combined", "json", "nginx-error", "sshd"] == [p.stem for p in HOSTILE]
