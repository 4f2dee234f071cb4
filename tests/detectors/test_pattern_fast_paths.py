"""The pattern tier's fast paths find exactly what the plain paths find."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import PatternDetector, load_rules
from logward_base.errors import RuleError
from logward_base.paths import rules_dir

_RULES = {rule.name: rule for rule in load_rules(rules_dir()).patterns}

EMAIL_PIECES = st.sampled_from(
    [
        "a.b@c.de",
        "x%40y.com",
        "user@localhost",
        "@timestamp",
        '{"@timestamp": "',
        "a%40b@c.com",
        "jöhn.dœ@exämple.com",
        "用户@例子.广告",
        "-@a.b.c.d.e.f.g.h.i.jk",
        "@@",
        "%40",
        "@",
        ".",
        "-",
        "+",
        "%",
        "_",
        " ",
        "é",
        "x" * 70,
        "a" * 63,
        "b",
        "9",
        ".com",
        "example.org",
        "<",
        ">",
    ]
)


def _spans(detector: PatternDetector, text: str) -> list[tuple[str, int, int, float, str]]:
    return [(f.entity, f.start, f.end, f.score, f.detector) for f in detector.detect(text)]


def test_the_email_rule_is_anchored():
    """The shipped e-mail rule says where its matches hold their @ (the fast path is used)."""
    assert _RULES["email"].anchor is not None
    assert 64 == _RULES["email"].anchor_within


@settings(max_examples=1500, deadline=None)
@given(st.lists(EMAIL_PIECES, max_size=14))
def test_anchored_search_equals_a_scan_from_every_position(pieces):
    """For any text, the anchored e-mail rule finds what the same rule without anchor finds."""
    text = "".join(pieces)
    rule = _RULES["email"]
    assert _spans(PatternDetector(replace(rule, anchor=None)), text) == _spans(
        PatternDetector(rule), text
    )


@pytest.mark.parametrize(
    ("anchor", "field", "message"),
    [
        ("anchor: '@'\n", "anchor", "mapping"),
        ("anchor: {regex: '@', within: 0}\n", "anchor.within", "integer from 1"),
        ("anchor: {regex: '@', within: true}\n", "anchor.within", "integer from 1"),
        ("anchor: {regex: '(', within: 4}\n", "anchor.regex", ""),
        ("anchor: {within: 4}\n", "anchor.regex", "required"),
        ("anchor: {regex: '@', within: 4, at: 1}\n", "anchor.at", "unknown field"),
    ],
)
def test_a_bad_anchor_names_its_field(tmp_path, anchor, field, message):
    """A malformed ``anchor`` raises RuleError naming the rule and the field."""
    (tmp_path / "pii").mkdir()
    text = "name: mail\ntype: pattern\nentity: MAIL\npatterns:\n  - {regex: 'a@b', score: 0.5}\n"
    (tmp_path / "pii" / "mail.yaml").write_text(text + anchor)
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path)
    assert ("mail", field) == (info.value.rule, info.value.field)
    assert message in info.value.message
