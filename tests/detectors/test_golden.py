"""The annotated golden samples, fail2ban style.

``golden/pattern_tier.log`` holds mixed lines (several rules at once);
``golden/pii/<rule>.log`` holds one file per PII rule, mirroring
``rules/pii/<rule>.yaml``: the rule's formats and its near misses. Every line
scrubs to its annotation with the shipped rules, and each per-rule file is also
run against its rule alone: the rule by itself redacts every annotated line
and leaves every ``# keep`` line alone, so a golden file cannot pass on the
strength of the other rules.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import scrubber
from logward_base.paths import rules_dir
from scrubber import Scrubber

GOLDEN = Path(__file__).with_name("golden")
PII_RULES = rules_dir() / "pii"


def _read(path: Path) -> list[tuple[int, str, str]]:
    cases: list[tuple[int, str, str]] = []
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
            cases.append((number, line, line if expectation == "keep" else expectation))
            expectation = None
    return cases


def _cases() -> list[tuple[str, int, str, str]]:
    paths = sorted(GOLDEN.glob("*.log")) + sorted((GOLDEN / "pii").glob("*.log"))
    return [
        (str(path.relative_to(GOLDEN)), number, line, expected)
        for path in paths
        for number, line, expected in _read(path)
    ]


CASES = _cases()
RULES = sorted(path.stem for path in PII_RULES.glob("*.yaml"))


def test_golden_sample_is_not_empty():
    """The golden files hold a meaningful number of annotated lines."""
    assert len(CASES) >= 20 + 2 * len(RULES)


def test_every_pii_rule_has_its_golden_file():
    """Each rules/pii/<rule>.yaml has golden/pii/<rule>.log; no golden file names a missing rule."""
    golden = sorted(path.stem for path in (GOLDEN / "pii").glob("*.log"))
    assert RULES == golden


@pytest.mark.parametrize(
    ("name", "number", "line", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_golden_line(shipped, name, number, line, expected):
    """Each golden line scrubs to exactly its annotation with the shipped rules."""
    assert expected == shipped.scrub_text(line)


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scrubber]:
    """One scrubber per PII rule, each built from a directory holding that rule only."""
    built = {}
    for rule in RULES:
        folder = tmp_path_factory.mktemp(rule)
        shutil.copy(PII_RULES / f"{rule}.yaml", folder)
        built[rule] = scrubber.load_scrubber(folder)
    return built


@pytest.mark.parametrize("rule", RULES)
def test_rule_alone_does_its_golden_file(alone, rule):
    """The rule alone redacts each annotated line of its golden file and keeps each keep line."""
    cases = _read(GOLDEN / "pii" / f"{rule}.log")
    assert any(line != expected for _, line, expected in cases), "no redacted line"
    assert any(line == expected for _, line, expected in cases), "no near miss"
    for number, line, expected in cases:
        result = alone[rule].scrub_text(line)
        if line == expected:
            assert line == result, f"{rule}.log:{number} changed by the rule alone"
        else:
            assert line != result, f"{rule}.log:{number} not redacted by the rule alone"
