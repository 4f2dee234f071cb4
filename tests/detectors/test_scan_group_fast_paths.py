"""The digit scan group's early tests and the phone scorer's shortcuts change no finding."""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import (
    ContextRule,
    Finding,
    PatternDetector,
    PatternRule,
    ScanGroupDetector,
    context_test,
    load_rules,
)
from logward_base.errors import RuleError
from logward_base.paths import rules_dir

_RULES = load_rules(rules_dir()).patterns
_DIGITS = [PatternDetector(rule) for rule in _RULES if rule.scan_group == "digits"]
_UPPER = [PatternDetector(rule) for rule in _RULES if rule.scan_group == "upper"]

PIECES = st.sampled_from(
    [
        "4111_1111_1111_1111",
        "4111\t1111\t1111\t1111",
        "4111.1111.1111.1111",
        "4111/111111/11111",
        "4111 1111 1111 1111",
        "200 33945",
        "404 12 0.5",
        "200 28643 x12",
        "301 1234567",
        "+44 20 7946 0958",
        "(212) 555-0199",
        "07700 900123",
        "3596865",
        "2125550199",
        "536-90-4399",
        "10.0.0.1",
        "2026-05-19T20:13:54.925Z",
        "12:",
        "phone ",
        "order_id=",
        " ",
        "_",
        "\t",
        "-",
        ".",
        "/",
        "(",
        "+",
        "0",
        "9",
        "a",
        "GB82 WEST 1234 5698 7654 32",
        "SW1A 1AA",
        "QQ 12 34 56 C",
        "GIR 0AA",
        "M1 1AE",
        "INFO ",
        "Ab",
        "A",
    ]
)


def _findings(found: list[Finding]) -> list[tuple[str, int, int, float, str]]:
    return sorted((f.entity, f.start, f.end, f.score, f.detector) for f in found)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=10))
def test_digit_group_equals_members_alone(pieces):
    """With its early ``then`` test, the digit group finds what its members find alone."""
    text = "".join(pieces)
    group = ScanGroupDetector("digits", _DIGITS)
    alone = _findings([f for m in _DIGITS for f in m.detect(text)])
    assert alone == _findings(group.detect(text)), text


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=10))
def test_upper_group_equals_members_alone(pieces):
    """With its early ``then`` test, the upper-case group finds what its members find alone."""
    text = "".join(pieces)
    group = ScanGroupDetector("upper", _UPPER)
    alone = _findings([f for m in _UPPER for f in m.detect(text)])
    assert alone == _findings(group.detect(text)), text


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=10))
def test_digit_group_equals_the_group_without_then(pieces):
    """Dropping every member's ``then`` changes nothing the group finds."""
    text = "".join(pieces)
    plain = [PatternDetector(replace(m.rule, then=None)) for m in _DIGITS]
    expected = _findings(ScanGroupDetector("digits", plain).detect(text))
    assert expected == _findings(ScanGroupDetector("digits", _DIGITS).detect(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=10))
def test_then_holds_wherever_the_start_shapes_match(pieces):
    """Each shipped rule's ``then`` matches after the first character wherever its shapes all do."""
    text = "".join(pieces)
    for rule in _RULES:
        if rule.then is None:
            continue
        shapes = [re.compile(s) for s in rule.starts_with]
        then = re.compile(rule.then)
        for pos in range(len(text)):
            if all(s.match(text, pos) for s in shapes):
                assert then.match(text, pos + 1) is not None, (rule.name, text, pos)


@pytest.mark.parametrize(
    "text",
    ["200 33945", "call 200 33945", "404 12 0.5", "phone 301 1234567 x12", "500 9 1.25", "200 5"],
)
def test_status_and_size_is_no_phone_even_next_to_a_phone_word(text):
    """An access line's status and size is rejected by the phone rule, context or not."""
    phone = PatternDetector(next(rule for rule in _RULES if rule.name == "phone"))
    assert [] == phone.detect(text)


def test_then_needs_starts_with(tmp_path: Path):
    """``then`` without ``starts_with`` is refused, naming file, rule and field."""
    path = tmp_path / "r" / "pii" / "broken.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        textwrap.dedent(
            """\
            name: broken
            type: pattern
            entity: BROKEN
            scan_group: g
            first_chars: a
            then: b
            patterns:
              - {regex: 'a', score: 0.5}
            """
        )
    )
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path / "r")
    assert (str(path), "broken", "then") == (info.value.file, info.value.rule, info.value.field)


# The phone rule's findings on "n " + each value, as main gave them before the
# scorer's shortcuts (status+size first, no date/IP/SSN test without two
# separators, a digit run is its own digits): the shortcuts change none.
PHONE_GOLDEN = [
    ("12345", []),
    ("123456", []),
    ("1234567", [(2, 9, 0.3)]),
    ("0123456789", [(2, 12, 0.6)]),
    ("01234567890", [(2, 13, 0.6)]),
    ("012345678901", [(2, 14, 0.3)]),
    ("0301234567890123", [(2, 18, 0.3)]),
    ("030 12345678901", [(2, 17, 0.9)]),
    ("030 123456789012", [(2, 18, 0.9)]),
    ("0049 30 1234567890", [(2, 20, 0.9)]),
    ("004930123456789", [(2, 17, 0.9)]),
    ("4532 0151 1283 0366", [(2, 21, 0.3)]),
    ("4532-0151-1283-0366", [(2, 21, 0.3)]),
    ("4532015112830366", [(2, 18, 0.3)]),
    ("45320151128303667", []),
    ("200 28643", []),
    ("200 28643 0.25", []),
    ("301 1234567 x12", []),
    ("2024-01-15", []),
    ("15/01/2024 12", []),
    ("10.0.0.1 22", []),
    ("536-90-4399", []),
    ("12/100", []),
    ("240.1234", [(2, 10, 0.3)]),
    ("1600.49", []),
    ("72.12345", [(2, 10, 0.3)]),
    ("+49 30 1234567890", [(2, 19, 0.9)]),
    ("+1 212", []),
    ("00 44 20 7946", [(2, 15, 0.9)]),
    ("0161 496", [(2, 10, 0.6)]),
    ("0161 496 0000", [(2, 15, 0.6)]),
    ("07700 900123", [(2, 14, 0.6)]),
    ("(0161) 496 0000 x12", [(2, 21, 0.6)]),
    ("030/12345 678", [(2, 15, 0.6)]),
    ("1234 5678 9012 3456 7890", []),
    ("12 34 56", [(2, 10, 0.3)]),
    ("112 233 445 566", [(2, 17, 0.6)]),
    ("1111 2222", []),
    ("98765 43210 12", [(2, 16, 0.6)]),
    ("0 30 1234 5678 9012", [(2, 21, 0.9)]),
    ("09 1234 5678 9012", [(2, 19, 0.9)]),
    ("1 2 3 4 5 6 7", [(2, 15, 0.6)]),
    ("555.0199", [(2, 10, 0.3)]),
    ("212.555.0199", [(2, 14, 0.6)]),
    ("0800 1111111", [(2, 14, 0.6)]),
]


@pytest.mark.parametrize(("value", "expected"), PHONE_GOLDEN)
def test_phone_scores_are_unchanged_by_the_shortcuts(value, expected):
    """Bare, spaced, trunk-prefixed, decimal, dated and status+size values score as before."""
    phone = PatternDetector(next(rule for rule in _RULES if rule.name == "phone"))
    assert expected == [(f.start, f.end, f.score) for f in phone.detect("n " + value)]


def _context_test_by_words(words: list[str]) -> re.Pattern[str]:
    """context_test as it was: one alternative per word, longest first."""
    unique = sorted(set(words), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in unique)
    firsts = "".join(sorted({re.escape(w[0]) for w in unique}))
    return re.compile(
        rf"[{firsts}](?<![A-Za-z0-9].)(?<=(?=(?:{alternatives})(?![A-Za-z0-9])).)", re.IGNORECASE
    )


_WORD_LISTS = [list(rule.context.words) for rule in _RULES if rule.context.words] + [
    list(rule.context.negative) for rule in _RULES if rule.context.negative
]
_WORD_LISTS.append(["a", "ab", "abc", "b.c", "x_y", "x", "Ä", "ß"])


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="acdelmnoprstxyzCPT_ .-=0123456789Äßb", max_size=60),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_context_test_prefix_tree_equals_one_alternative_per_word(text, lo, hi):
    """The prefix-tree context regex finds a word in a window exactly where the word list did."""
    for words in _WORD_LISTS:
        new, old = context_test(words), _context_test_by_words(words)
        assert new is not None
        assert (old.search(text, lo, hi) is None) == (new.search(text, lo, hi) is None), words


def test_context_test_prefix_tree_on_shipped_words_in_windows():
    """On shipped word lists, words cut by a window's end or glued to others count as before."""
    texts = ["phones", "call5551234", "xcall", "telephone_", "card_number=1", "id-7", "ORDER 12"]
    texts += ["ts=1", "payments", "versioned", "build 6", "Called", "CELLPHONE:"]
    for words in _WORD_LISTS:
        new, old = context_test(words), _context_test_by_words(words)
        assert new is not None
        for text in texts:
            for lo in range(len(text) + 1):
                for hi in range(lo, len(text) + 1):
                    assert (old.search(text, lo, hi) is None) == (
                        new.search(text, lo, hi) is None
                    ), (words, text, lo, hi)


def test_a_start_shape_with_its_own_group_keys_hits_by_the_flags():
    """A shape holding a capturing group still flags the right members (keyed by flags only)."""
    members = [
        PatternDetector(replace(m.rule, starts_with=tuple(f"({s})" for s in m.rule.starts_with)))
        if m.rule.name == "phone"
        else m
        for m in _DIGITS
    ]
    group = ScanGroupDetector("digits", members)
    assert not group._only_flags
    for text in ["call 212-555-0199 or 4111 1111 1111 1111", "10.0.0.1 +44 20 7946 0958 3596865"]:
        alone = _findings([f for m in members for f in m.detect(text)])
        assert alone == _findings(group.detect(text))
        assert alone == _findings(ScanGroupDetector("digits", _DIGITS).detect(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=6), st.integers(0, 40))
def test_finding_at_is_detect_at_one_position(pieces, pos):
    """finding_at(text, pos) is detect_at(text, [pos])'s one finding, or None."""
    text = "".join(pieces)
    for member in _DIGITS:
        expected = member.detect_at(text, [pos]) if pos <= len(text) else []
        found = member.finding_at(text, pos) if pos <= len(text) else None
        assert expected == ([] if found is None else [found]), (member.name, text, pos)


def _score_as_before(rule: PatternRule, text: str, start: int, end: int, base: float) -> float:
    """PatternDetector's context score as it was: every window searched, empty or not."""
    ctx = rule.context
    positive, negative = context_test(ctx.words), context_test(ctx.negative)
    lo = max(start - ctx.window, 0)
    score = base
    if positive is not None and (
        positive.search(text, lo, start) or positive.search(text, end, end + ctx.window)
    ):
        score += ctx.boost
    if negative is not None:
        if ctx.negative_before:
            hit = negative.search(text, max(start - ctx.negative_before, 0), start)
        else:
            hit = negative.search(text, lo, start) or negative.search(text, end, end + ctx.window)
        if hit:
            score -= ctx.penalty
    return min(max(score, 0.0), 1.0)


_CONTEXT_PIECES = st.sampled_from(
    [
        "3596865",
        "212-555-0199",
        "4111 1111 1111 1111",
        "10.0.0.1",
        "536-90-4399",
        "+44 20 7946 0958",
        "phone ",
        "order_id=",
        " version ",
        "card ",
        "ssn ",
        "call",
        " ",
        "=",
        "x",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_CONTEXT_PIECES, min_size=1, max_size=6))
def test_context_scores_at_the_text_edges_are_as_before(pieces):
    """Skipping the empty windows of a match at the text's start or end changes no score."""
    text = "".join(pieces)
    for member in _DIGITS:
        plain = PatternDetector(replace(member.rule, context=ContextRule()))
        values = [text[f.start : f.end] for f in plain.detect(text)]
        for where in (text, *values):
            scored = member.detect(where)
            bases = plain.detect(where)
            assert [(f.start, f.end) for f in bases] == [(f.start, f.end) for f in scored]
            for found, base in zip(scored, bases, strict=True):
                expected = _score_as_before(member.rule, where, found.start, found.end, base.score)
                assert expected == found.score, (member.name, where)


_SHORT = next(rule for rule in _RULES if rule.name == "phone_short")
_SHORT_PIECES = st.sampled_from(
    [
        "call ",
        "Call me on ",
        "PHONE: ",
        "phones ",
        "telephone ",
        "hotel ",
        "string ",
        "recall ",
        "mobile '",
        "cellphone",
        "sms ",
        "\u017fms ",
        "number of ",
        "order number ",
        "no. ",
        "is ",
        "712345",
        "312.345",
        "22123",
        "12 34 56",
        "2024-01-15",
        "1234567890",
        "x",
        "_",
        " ",
        "-",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_SHORT_PIECES, max_size=8))
def test_matches_tried_at_literals_equal_a_full_scan(pieces):
    """phone_short tried only where its literals occur finds what a scan of every position finds."""
    text = "".join(pieces)
    fast = PatternDetector(_SHORT)
    full = PatternDetector(replace(_SHORT, starts_at_literal=False))
    assert _findings(full.detect(text)) == _findings(fast.detect(text)), text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("starts_at_literal: true\n", "needs literals"),
        ("literals: [a-b]\nstarts_at_literal: true\n", "ASCII letters or digits"),
        ("literals: [ab]\nstarts_at_literal: 'yes'\n", "true or false"),
    ],
)
def test_starts_at_literal_is_checked(tmp_path: Path, extra, message):
    """A bad ``starts_at_literal`` is refused, naming file, rule and field."""
    path = tmp_path / "r" / "pii" / "broken.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "name: broken\ntype: pattern\nentity: BROKEN\npatterns:\n  - {regex: 'ab', score: 0.5}\n"
        + extra
    )
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path / "r")
    assert (str(path), "broken", "starts_at_literal") == (
        info.value.file,
        info.value.rule,
        info.value.field,
    )
    assert message in info.value.message
