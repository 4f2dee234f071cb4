"""The annotated golden sample (tests/detectors/golden/*.log), fail2ban style."""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).with_name("golden")


def _cases() -> list[tuple[str, int, str, str]]:
    cases: list[tuple[str, int, str, str]] = []
    for path in sorted(GOLDEN.glob("*.log")):
        expectation: str | None = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("# keep"):
                expectation = "keep"
            elif line.startswith("# => "):
                expectation = line[len("# => ") :]
            elif not line.strip() or line.startswith("#"):
                continue
            else:
                assert expectation is not None, f"{path.name}:{number} has no expectation"
                expected = line if expectation == "keep" else expectation
                cases.append((path.name, number, line, expected))
                expectation = None
    return cases


CASES = _cases()


def test_golden_sample_is_not_empty():
    """The golden files hold a meaningful number of annotated lines."""
    assert len(CASES) >= 20


@pytest.mark.parametrize(
    ("name", "number", "line", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_golden_line(shipped, name, number, line, expected):
    """Each golden line scrubs to exactly its annotated expectation."""
    assert expected == shipped.scrub_text(line)
