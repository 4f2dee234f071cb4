"""Scan groups find exactly what their member rules find on their own."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import PatternDetector, ScanGroupDetector
from logward.paths import rules_dir
from scrubber._loader import load_rules

_RULES = load_rules(rules_dir()).patterns
_GROUPS: dict[str, list[PatternDetector]] = {}
for _rule in _RULES:
    if _rule.scan_group:
        _GROUPS.setdefault(_rule.scan_group, []).append(PatternDetector(_rule))

PIECES = st.sampled_from(
    [
        "4111 1111 1111 1111",
        "+44 20 7946 0958",
        "(212) 555-0199",
        "536-90-4399",
        "10.0.0.1",
        "GB82 WEST 1234 5698 7654 32",
        "SW1A 1AA",
        "QQ 12 34 56 C",
        "07700 900123",
        "2024-01-15",
        "x",
        "a1",
        " ",
        "-",
        ".",
        "(",
        "+",
        "0",
        "00",
        "9",
        "AB",
        "Z9",
        "_",
        "1-800-555-0199",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=12))
def test_scan_group_equals_members_alone(pieces):
    """For any text, a group's findings equal the union of its members' own findings."""
    text = "".join(pieces)
    for name, members in _GROUPS.items():
        group = ScanGroupDetector(name, members)
        alone = sorted((f.entity, f.start, f.end, f.score) for m in members for f in m.detect(text))
        together = sorted((f.entity, f.start, f.end, f.score) for f in group.detect(text))
        assert alone == together, (name, text)


def test_shipped_rules_define_scan_groups():
    """The shipped digit and upper-case rules are grouped (the speed depends on it)."""
    assert {"digits", "upper"} <= set(_GROUPS)
