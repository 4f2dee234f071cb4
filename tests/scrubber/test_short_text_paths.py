"""The engine's short-text fast paths give exactly what the general path gives."""

from __future__ import annotations

import logging
import random
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

import scrubber
from detectors import Finding
from scrubber import Scrubber

# the modules under test, reached through the package's public objects
_ENGINE = sys.modules[Scrubber.__module__]
_GATE = sys.modules[type(Scrubber([])._active.__self__).__module__]  # type: ignore[attr-defined]

_ORDER_RULE = """\
name: order_ids
description: seven-digit order ids (a user rule that matches digit-only text).
type: pattern
entity: ORDER_ID
prefilter: '\\d{7}'
patterns:
  - regex: '(?<!\\d)\\d{7}(?!\\d)'
    score: 0.6
"""

_DIGIT_LITERAL_RULE = """\
name: tagged_ids
description: ids after the digits 99 (a literal made of digits).
type: pattern
entity: TAGGED_ID
literals: ['99']
patterns:
  - regex: '99\\d{4}'
    score: 0.7
"""


def _slow(engine: Scrubber) -> Scrubber:
    """A twin of ``engine`` whose gate never takes the digit-only shortcut."""
    twin = Scrubber(engine.detectors, policy=engine.policy, key_matcher=engine.key_matcher)
    twin._active.__self__._digits_active = None  # type: ignore[attr-defined]
    twin._digits_active = None
    return twin


def _digit_texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = [
        str(rng.randrange(10 ** rng.randrange(1, 8), 10 ** rng.randrange(8, 20)))
        for _ in range(300)
    ]
    texts += ["4111111111111111", "5500000000000004", "340000000000009", "07700900123"]
    texts += ["3596865", "99123456", "0", "00000000000", "441632960960", "12025550199"]
    return texts


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("threshold", [None, 0.2, 0.0])
def test_digit_only_texts_scrub_as_the_general_path(threshold: float | None) -> None:
    """Digit-only texts give the general path's text and counts, at any threshold."""
    engine = scrubber.load_scrubber()
    if threshold is not None:
        engine.policy = replace(engine.policy, threshold=threshold)
    assert engine._digits_active is not None
    slow = _slow(engine)
    for text in _digit_texts(1):
        assert slow.scrub_text_counted(text) == engine.scrub_text_counted(text), text


@pytest.mark.parametrize("rule", [_ORDER_RULE, _DIGIT_LITERAL_RULE])
@pytest.mark.parametrize("threshold", [None, 0.2])
def test_a_rule_that_can_match_digits_turns_the_shortcut_off(
    tmp_path: Path, rule: str, threshold: float | None
) -> None:
    """A user rule whose trigger or literal can match digits alone is still called."""
    engine = scrubber.load_scrubber(extra_rules=[_write(tmp_path, "user", rule)])
    if threshold is not None:
        engine.policy = replace(engine.policy, threshold=threshold)
    assert engine._digits_active is None
    reference = _slow(engine)
    texts = _digit_texts(2)
    redacted = 0
    for text in texts:
        result = engine.scrub_text_counted(text)
        assert reference.scrub_text_counted(text) == result, text
        redacted += result[0] != text
    assert redacted > 0
    if "ORDER_ID" in rule:
        assert "<ORDER_ID>" == engine.scrub_text("3596865")


class _Triggered:
    """Finds ``X`` at the start of every match of its trigger."""

    def __init__(self, name: str, trigger: str) -> None:
        self.name = name
        self.trigger = trigger

    def detect(self, text: str) -> list[Finding]:
        return [
            Finding("X", m.start(), m.end(), 0.9, self.name)
            for m in re.finditer(self.trigger, text)
        ]


@pytest.mark.parametrize(
    ("trigger", "shortcut"),
    [
        ("[a-z]+", True),
        (r"\s\d", True),
        (r"(?<=[A-Z])\d", True),
        (r"\d{3}", False),
        (r"x?\d", False),
        (r"[^a]", False),
        (r"\w", False),
        (r"(?:ab|\d)", False),
        (r"(?<![a-z])\d", False),
        (r"a{0}\d", False),
        ("(?i)id", False),
        (r"\W|\s\D", True),
        (r"\S", False),
        (r"[^\d]", False),
    ],
)
def test_gate_shortcut_only_when_no_trigger_can_match_digits(trigger: str, shortcut: bool) -> None:
    """The digit-only selection is taken only when proven, and equals the gate's own."""
    detectors = [_Triggered("t", trigger), _Triggered("plain", "")]
    gate = _GATE.DetectorGate(detectors)
    assert shortcut == (gate._digits_active is not None)
    for text in _digit_texts(3):
        expected = gate.active(text)
        if gate.digits_active is not None:
            assert expected == list(gate.digits_active), text


def test_needs_non_digit_on_shipped_triggers() -> None:
    """The shipped triggers (all need a letter or a colon) are proven digit-free."""
    engine = scrubber.load_scrubber()
    gate = engine._active.__self__  # type: ignore[attr-defined]
    assert all(t is None or _GATE._needs_non_digit(t) for _, t in gate._triggered)
    assert not _GATE._needs_non_digit(re.compile(r"\d(?=a)?"))


def test_one_finding_replacement_and_counts_match_apply() -> None:
    """One finding is replaced and counted as _apply and Counter do it."""
    engine = scrubber.load_scrubber()
    for text in ["mail bob@example.com now", "bob@example.com", "x 4111 1111 1111 1111"]:
        kept = engine.find(text)
        assert 1 == len(kept)
        local: Counter[str] = Counter()
        expected = engine._apply(text, kept, local)
        result, counts = engine.scrub_text_counted(text)
        assert (expected, local) == (result, counts)
        assert Counter is type(counts)
    text = "bob@example.com and 10.1.2.3 and alice@example.org"
    result, counts = engine.scrub_text_counted(text)
    assert Counter({"EMAIL_ADDRESS": 2, "IP_ADDRESS": 1}) == counts
    assert ["EMAIL_ADDRESS", "IP_ADDRESS"] == list(counts)  # counted right to left
    assert "bob@" not in result


def test_clean_memory_keeps_two_generations() -> None:
    """A clean text survives one turnover (and is moved back); texts with PII never enter."""
    engine = scrubber.load_scrubber()
    engine.scrub_text("cache warmed")
    for i in range(_ENGINE._CLEAN_LIMIT):
        engine.scrub_text(f"filler line {i}")
    assert "cache warmed" in engine._clean_old
    assert "cache warmed" == engine.scrub_text("cache warmed")
    assert "cache warmed" in engine._clean
    engine.scrub_text("mail bob@example.com")
    assert "mail bob@example.com" not in engine._clean | engine._clean_old
    engine.policy = replace(engine.policy, threshold=0.0)
    engine.scrub_text("other")
    assert "cache warmed" not in engine._clean | engine._clean_old


@pytest.mark.parametrize("rule", [None, _ORDER_RULE])
def test_filter_int_extras_scrub_as_scrub_extra(tmp_path: Path, rule: str | None) -> None:
    """Int and float extras (inlined in the filter) come out as _scrub_extra makes them."""
    extra_rules = [] if rule is None else [_write(tmp_path, "user", rule)]
    engine = scrubber.load_scrubber(extra_rules=extra_rules)
    values: list[int | float] = [3596865, -3596865, 999_999, 10**6, 4111111111111111, 12025550199]
    values += [-(10**6), 0, 2.5, 4111111111111111.0, True]
    for key in ("order_id", "phone", "amount"):
        for value in values:
            record = logging.LogRecord("app", logging.INFO, __file__, 1, "paid", (), None)
            record.__dict__[key] = value
            fresh = scrubber.ScrubbingFilter(engine)
            expected = fresh._scrub_extra(engine, key, value)
            assert scrubber.ScrubbingFilter(engine).filter(record)
            assert (type(expected), expected) == (type(record.__dict__[key]), record.__dict__[key])


class _Hidden:
    """Delegates to a detector without showing its trigger (always called)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.name = inner.name  # type: ignore[attr-defined]

    def detect(self, text: str) -> list[Finding]:
        return list(self._inner.detect(text))  # type: ignore[attr-defined]


def test_key_value_trigger_skips_only_texts_it_finds_nothing_in() -> None:
    """Gating key_value on its separator trigger changes no result."""
    engine = scrubber.load_scrubber()
    assert any(getattr(d, "trigger", None) == "[=:]" for d in engine.detectors)
    hidden = Scrubber(
        [_Hidden(d) if d.name == "key_value" else d for d in engine.detectors],
        policy=engine.policy,
        key_matcher=engine.key_matcher,
    )
    texts = ["password=hunter2", "email: bob@example.com", "user bob logged in", "token hunter2"]
    texts += ["ip 10.0.0.1", "name=Jane Smith at 12:30", "3596865", "a: b", "phone = 0770090012"]
    for text in texts:
        assert hidden.scrub_text_counted(text) == engine.scrub_text_counted(text), text


@pytest.mark.parametrize(
    ("trigger", "kind"),
    [
        ("[=:]", "chars"),  # the key=value detector's: substring tests
        ("@", "chars"),
        ("[abcd]", "chars"),
        ("[abcde]", "search"),  # more than four characters
        ("[=:]x", "search"),  # more than one character long
        ("(?i)[=:]", "search"),  # flags: not analysed
        ("[A-Z][a-z]", "unless_lower"),  # needs a capital in an ASCII text
        ("[A-Z\u00c0-\u00d6\u0100-\u017f](?:[a-z]|[A-Z]{2})", "unless_lower"),  # ASCII part: A-Z
        ("A[A-Z]{3}", "unless_lower"),
        ("[A-Za-z]x", "search"),  # a lower-case start too
        ("[A-Z0-9]", "search"),
        ("[^a-z]", "search"),
        (r"\w", "search"),
        ("(?:A|b)", "chars"),  # parsed as [Ab]
        ("(?:ab|c)", "search"),
        ("", "always"),
    ],
)
def test_gate_tests_a_trigger_as_its_search_would(trigger: str, kind: str) -> None:
    """Each trigger gets the cheapest test that selects exactly as its search."""
    detectors = [_Triggered("t", trigger)]
    gate = _GATE.DetectorGate(detectors)
    kinds = {
        _GATE._ALWAYS: "always",
        _GATE._SEARCH: "search",
        _GATE._ANY_CHAR: "chars",
        _GATE._UNLESS_LOWER: "unless_lower",
    }
    assert kind == kinds[gate._tests_ascii[0][1]]
    rng = random.Random(trigger)
    alphabet = "aZz=:@bcdeAx9 \u00c0\u0100\u017f\t-"
    pattern = re.compile(trigger) if trigger else None
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 10)))
        expected = pattern is None or pattern.search(text) is not None
        assert expected == (detectors[0] in gate.active(text)), text
