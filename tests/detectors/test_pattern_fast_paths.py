"""The pattern tier's fast paths find exactly what the plain paths find."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import VALIDATORS, PatternDetector, PatternSpec, ScanGroupDetector, load_rules
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


def _spans(
    detector: PatternDetector | ScanGroupDetector, text: str
) -> list[tuple[str, int, int, float, str]]:
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


# The shipped regexes of these rules lead with a character class (the regex engine
# then skips to candidates in C); these are the plainer forms they were rewritten from.
_PLAIN_FORMS = {
    "phone_short": (
        r"(?<![a-z0-9])(?:phones?|tel|telephone|mobiles?|mob|cell|cellphone|calls?|called|fax"
        r"|contact|sms|whatsapp|numbers?|reach|dial|ring|landline|msisdn)(?![a-z0-9])"
        r"[^\w\n]{0,4}(?:(?:me|us|him|her|them|on|at|is|was|no|nr|num|number)[^\w\n]{1,3}){0,3}"
        r"(?!(?:19|20)\d\d[-/.]\d\d?[-/.]\d)(?P<pii>\d(?:[ .\-]?\d){4,7})(?![\w]|[.,:\-/]?\d)",
    ),
    "uk_postcode_compact": (
        r"(?=[A-Z])(?<![A-Za-z0-9])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?|GIR)\d"
        r"[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])",
    ),
    "ipv6": (
        r"(?=[0-9A-Fa-f:])(?<![\w.])(?<!::)(?:[0-9A-Fa-f]{1,4}|:(?=:))(?::[0-9A-Fa-f]{0,4}){1,7}"
        r"(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w:]|\.\d)",
    ),
    "iban_any_case": (
        r"[A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z]\d{2}[A-Za-z0-9]{11,30}(?![A-Za-z0-9])",
        r"[A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z]\d{2}(?: [A-Za-z0-9]{4}){2,7}"
        r"(?: [A-Za-z0-9]{1,3}(?![A-Za-z0-9]))?(?![A-Za-z0-9])",
    ),
}

LEAD_PIECES = st.sampled_from(
    [
        "phone ",
        "Phone: ",
        "PHONES ",
        "tel",
        "telephone ",
        "cellphone",
        "called ",
        "\u017fms ",
        "\u017f",
        "\u212a",
        "İ",
        "call me on ",
        "number of ",
        "no. ",
        "12345",
        "712 345",
        "2024-01-15",
        "312.345",
        "0",
        "9",
        " ",
        "-",
        ".",
        ":",
        "::",
        "a",
        "Z",
        "x",
        "\n",
        "é",
        "SW1A1AA",
        "GIR0AA",
        "QA1 1AA",
        "M11AE",
        "2001:db8::1",
        "fe80::1",
        "::ffff:192.0.2.1",
        "1:2:3:4:5:6:7:8",
        "abcd",
        "de89370400440532013000",
        "Gb82 west 1234 5698 7654 32",
        "gB82WEST12345698765432",
        "1234",
        " 12",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(LEAD_PIECES, max_size=12))
def test_class_led_regexes_equal_their_plain_forms(pieces):
    """For any text, each rewritten rule finds what its plain-form regexes find."""
    text = "".join(pieces)
    for name, regexes in _PLAIN_FORMS.items():
        rule = _RULES[name]
        score = rule.patterns[0].score
        plain = replace(rule, patterns=tuple(PatternSpec(r, score) for r in regexes))
        assert _spans(PatternDetector(plain), text) == _spans(PatternDetector(rule), text), name


def _luhn_loop(text: str) -> bool:
    """The textbook Luhn check, digit by digit (the reference)."""
    digits = "".join(c for c in text if c not in " -.()/\t")
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = ord(char) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def test_luhn_equals_the_textbook_loop():
    """The C-level Luhn sum agrees with the digit-by-digit loop on every kind of input."""
    rng = random.Random(9)
    samples = ["", "0", "00", "79927398713", "4111 1111 1111 1111", "4111-1111-1111-1112", "٣٣"]
    for _ in range(20000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 24)))
        cut = rng.randint(0, len(digits))
        samples.append(digits[:cut] + rng.choice(["", " ", "-", ".", "/", "x", "٣"]) + digits[cut:])
    luhn = VALIDATORS["luhn"]
    assert [_luhn_loop(s) for s in samples] == [luhn(s) for s in samples]


def test_phone_scores_are_the_same_when_remembered():
    """The phone rule finds the same on a text seen before (its scores then come from the cache)."""
    phone = PatternDetector(_RULES["phone"])
    texts = ["call +44 20 7946 0958", "order 020 7946 0958", "200 33945", "4242424242424242"]
    texts += ["(212) 555-0199 or 2125550199", "phone 312.345", "at 07700 900123 x12", "12/100"]
    first = [_spans(phone, t) for t in texts]
    assert first == [_spans(phone, t) for t in texts]
    assert first[0]
    assert first[1]


DIGIT_PIECES = st.sampled_from(
    [
        "2026-05-19T20:13:54.925Z",
        "2026-13-01T",
        "0026-06-11T",
        "4111-11-11T",
        "14:05:11 +0000",
        "12:4111111111111111",
        "12:10.0.0.1",
        "1:536-90-4399",
        "1:+44 20 7946 0958",
        "9:0044 20 7946 0958",
        "-10.0.0.1",
        "-+44 20 7946 0958",
        ".+1 212 555 0199",
        "ORD-6705361",
        "v1.2125550199",
        "4111 1111 1111 1111",
        "(212) 555-0199",
        "07700 900123",
        "2125550199",
        "536904399",
        " ",
        "-",
        ".",
        ":",
        "+",
        "(",
        "1",
        "12",
        "T",
        "x",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(DIGIT_PIECES, max_size=10))
def test_digit_group_rejections_lose_nothing(pieces):
    """The digit group's early rejections (ISO timestamps, after . - or a digit and colon)
    drop no finding of its members run on their own."""
    text = "".join(pieces)
    members = [PatternDetector(r) for r in _RULES.values() if r.scan_group == "digits"]
    group = ScanGroupDetector("digits", members)
    alone = [span for m in members for span in _spans(m, text)]
    assert sorted(alone) == sorted(_spans(group, text))


def test_iban_mod97_equals_the_digit_by_digit_conversion():
    """Letters turned into numbers by a table give the textbook mod-97 answer (GB: 22 chars)."""
    rng = random.Random(5)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz"
    samples = ["GB82WEST12345698765432", "gb82 west 1234 5698 7654 32"]
    samples += ["GB82-WEST-1234-5698-7654-32"]
    for _ in range(20000):
        samples.append(f"GB{rng.randint(0, 99):02d}" + "".join(rng.choices(alphabet, k=18)))
    hits = 0
    for sample in samples:
        iban = sample.replace(" ", "").replace("-", "").upper()
        rearranged = iban[4:] + iban[:4]
        expected = int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
        assert expected == VALIDATORS["iban_mod97"](sample), sample
        hits += expected
    assert hits > 100
