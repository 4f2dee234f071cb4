"""Scan groups find exactly what their member rules find on their own."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import PatternDetector, ScanGroupDetector, load_rules
from logward_base.errors import ConfigError
from logward_base.paths import rules_dir

_RULES = load_rules(rules_dir()).patterns
_GROUPS: dict[str, list[PatternDetector]] = {}
# The same rules without starts_with: their groups take the union-match path.
_PLAIN_GROUPS: dict[str, list[PatternDetector]] = {}
for _rule in _RULES:
    if _rule.scan_group:
        _GROUPS.setdefault(_rule.scan_group, []).append(PatternDetector(_rule))
        _PLAIN_GROUPS.setdefault(_rule.scan_group, []).append(
            PatternDetector(replace(_rule, starts_with=()))
        )

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
        "2026-05-19T20:13:54.925Z",
        "2026-05-19 20:13:54",
        "ORD-6705361",
        "3596865",
        "(0161) 496 0000",
        "0161 496",
        "212-555-0199 x 123",
        "+44 (0) 20 7946",
        "1 ",
        "12345",
        ") ",
        "/",
        "GIR 0AA",
        "M1 1AE",
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(PIECES, max_size=12))
def test_scan_group_equals_members_alone(pieces):
    """For any text, a group's findings equal the union of its members' own findings."""
    text = "".join(pieces)
    for name, members in _GROUPS.items():
        group = ScanGroupDetector(name, members)
        alone = sorted((f.entity, f.start, f.end, f.score) for m in members for f in m.detect(text))
        together = sorted((f.entity, f.start, f.end, f.score) for f in group.detect(text))
        assert alone == together, (name, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=12))
def test_scan_group_without_start_shapes_equals_members_alone(pieces):
    """Members that do not say how matches start are located by the union match instead."""
    text = "".join(pieces)
    for name, members in _PLAIN_GROUPS.items():
        group = ScanGroupDetector(name, members)
        assert group._union is not None
        alone = sorted((f.entity, f.start, f.end, f.score) for m in members for f in m.detect(text))
        together = sorted((f.entity, f.start, f.end, f.score) for f in group.detect(text))
        assert alone == together, (name, text)


def test_shipped_rules_define_scan_groups():
    """The shipped digit and upper-case rules are grouped and say how matches start."""
    assert {"digits", "upper"} <= set(_GROUPS)
    for members in _GROUPS.values():
        assert all(m.rule.starts_with for m in members)


def test_a_case_insensitive_rule_cannot_join_a_group():
    """A member without first_chars or with ignore_case is refused with a ConfigError."""
    member = next(rule for rule in _RULES if rule.scan_group)
    loose = PatternDetector(replace(member, ignore_case=True))
    with pytest.raises(ConfigError, match=f"rule {member.name!r} cannot join a scan group"):
        ScanGroupDetector("g", [loose])
