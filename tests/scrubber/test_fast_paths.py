"""The engine's and the logging filter's fast paths give the slow paths' results."""

from __future__ import annotations

import io
import logging
import random
from collections import Counter

import pytest

import scrubber
from detectors import Finding
from scrubber import (
    FAILED_PLACEHOLDER,
    Scrubber,
    ScrubbingFilter,
)
from tests.scrubber.reference import naive_resolve


class PrefilteredDetector:
    """Finds ``SECRET`` tokens; declares the whole-text trigger ``SECRET``; counts calls."""

    name = "prefiltered"
    trigger = "SECRET"

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, text: str) -> list[Finding]:
        self.calls += 1
        start = text.find("SECRET")
        return [] if start < 0 else [Finding("SECRET", start, start + 6, 0.9, self.name)]


@pytest.fixture(scope="module")
def shipped() -> Scrubber:
    """One engine from the shipped rules for the module."""
    return scrubber.load_scrubber()


def test_detector_is_skipped_where_its_trigger_is_absent():
    """A detector with a trigger is only called on texts where the trigger matches."""
    detector = PrefilteredDetector()
    engine = Scrubber([detector])
    assert "nothing here" == engine.scrub_text("nothing here")
    assert 0 == detector.calls
    assert "a <SECRET> b" == engine.scrub_text("a SECRET b")
    assert 1 == detector.calls


def test_scrub_text_counted_returns_counts_and_leaves_stats_alone(shipped):
    """scrub_text_counted reports per-entity counts (None when clean) without adding stats."""
    engine = scrubber.load_scrubber()
    result, counts = engine.scrub_text_counted("mail bob@example.com from 10.0.0.1")
    assert "mail <EMAIL_ADDRESS> from <IP_ADDRESS>" == result
    assert Counter({"EMAIL_ADDRESS": 1, "IP_ADDRESS": 1}) == counts
    assert {} == engine.stats.snapshot()
    assert ("all clear", None) == engine.scrub_text_counted("all clear")


def test_scrub_text_counted_fails_closed():
    """An internal error gives the placeholder, no counts, and one counted failure."""

    class Boom:
        name = "boom"

        def detect(self, text: str) -> list[Finding]:
            raise RuntimeError(text)

    engine = Scrubber([Boom()])
    assert (FAILED_PLACEHOLDER, None) == engine.scrub_text_counted("bob@example.com")
    assert 1 == engine.stats.failures


def test_resolve_shortcut_matches_full_resolution():
    """Random findings resolve as the naive reference does (shortcut and remainders)."""
    engine = Scrubber([])
    text = "a" * 40  # all word characters: remainders are never trimmed here
    rng = random.Random(5)
    for _ in range(3000):
        found = []
        for _ in range(rng.randrange(0, 5)):
            start = rng.randrange(0, 30)
            found.append(
                Finding(
                    rng.choice(["A", "B", "PERSON"]),
                    start,
                    start + rng.randrange(0, 8),
                    rng.choice([0.4, 0.6, 0.9]),
                    "d",
                )
            )
        assert naive_resolve(list(found), text) == engine._resolve(list(found), text), found


def _record_through(engine: Scrubber, **extra: object) -> logging.LogRecord:
    """Log one record with ``extra`` through a filtered handler; return the record."""
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep()
    handler.addFilter(ScrubbingFilter(engine))
    logger = logging.getLogger("tests.fast_paths")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.info("event", extra=extra)
    return seen[0]


def test_scalar_extras_keep_their_value_and_type(shipped):
    """Floats, small ints, bools and None under ordinary keys pass unchanged."""
    attrs = vars(_record_through(shipped, amount=12.5, count=42, ok=True, missing=None))
    assert (12.5, 42, True, None) == (
        attrs["amount"],
        attrs["count"],
        attrs["ok"],
        attrs["missing"],
    )


def test_big_int_extras_are_scrubbed_as_text(shipped):
    """A card or phone number logged as an int is still redacted; other ints are kept."""
    attrs = vars(_record_through(shipped, ref=4111111111111111, order_id=3596865))
    assert "<CREDIT_CARD>" == attrs["ref"]
    assert 3596865 == attrs["order_id"]


def test_scalar_extras_under_pii_keys_are_redacted(shipped):
    """Numbers under PII key names are redacted whatever they are; bools and None stay."""
    attrs = vars(_record_through(shipped, pin=1234, password=0.5, phone=None, verified=True))
    assert ("<PASSWORD>", "<PASSWORD>") == (attrs["pin"], attrs["password"])
    assert (None, True) == (attrs["phone"], attrs["verified"])


def test_engine_subclass_overrides_stay_the_entry_points():
    """A subclass overriding scrub_text / scrub_value is called by the filter."""

    class Upper(Scrubber):
        def scrub_text(self, text: str, counts: Counter[str] | None = None) -> str:
            return text.upper()

        def scrub_value(
            self, value: object, key: str | None = None, counts: Counter[str] | None = None
        ) -> object:
            return f"v:{value}"

    attrs = vars(_record_through(Upper([]), amount=1.5, big=12345678))
    assert ("v:1.5", "v:12345678") == (attrs["amount"], attrs["big"])
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(ScrubbingFilter(Upper([])))
    logger = logging.getLogger("tests.fast_paths.upper")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.warning("quiet %s", "please")
    assert "QUIET PLEASE\n" == handler.stream.getvalue()


def test_cached_message_counts_stats_every_time(shipped):
    """A message served from the filter's cache still adds its redactions to the stats."""
    engine = scrubber.load_scrubber()
    record_filter = ScrubbingFilter(engine)
    for _ in range(3):
        record = logging.LogRecord("x", logging.INFO, "p", 1, "to %s", ("bob@example.com",), None)
        record_filter.filter(record)
        assert "to <EMAIL_ADDRESS>" == record.msg
    assert {"EMAIL_ADDRESS": 3} == engine.stats.snapshot()


class LiteralDetector:
    """Finds its one literal (any case); declares it as its gate; counts calls."""

    def __init__(self, literal: str) -> None:
        self.name = literal
        self.literals = (literal,)
        self.calls = 0

    def detect(self, text: str) -> list[Finding]:
        self.calls += 1
        start = text.lower().find(self.literals[0])
        if start < 0:
            return []
        return [Finding(self.name.upper(), start, start + len(self.name), 0.9, self.name)]


@pytest.mark.parametrize(
    ("text", "called"),
    [
        ("xabc", {"xab", "abc", "ab"}),  # "abc" starts inside "xab": still found
        ("XAB", {"xab", "ab"}),  # "ab" lies inside "xab"
        ("zz abc", {"abc", "ab"}),
        ("zz", set()),
        ("b xa b", set()),
    ],
)
def test_literal_gate_selects_every_detector_whose_literal_occurs(text, called):
    """One scan for all literals selects exactly the detectors whose literal occurs."""
    detectors = [LiteralDetector(lit) for lit in ("xab", "abc", "ab")]
    engine = Scrubber(detectors)
    engine.scrub_text(text)
    assert called == {d.name for d in detectors if d.calls}
    occurring = {d.name for d in detectors if d.name in text.lower()}
    assert occurring == called


def test_literal_gate_never_misses_a_literal_on_random_texts():
    """For random literal sets and texts over a tiny alphabet, no occurring literal is missed."""
    rng = random.Random(7)
    for _ in range(400):
        literals = {
            "".join(rng.choice("abc") for _ in range(rng.randrange(1, 4))) for _ in range(4)
        }
        detectors = [LiteralDetector(lit) for lit in sorted(literals)]
        engine = Scrubber(detectors)
        text = "".join(rng.choice("abcx") for _ in range(rng.randrange(0, 12)))
        engine.scrub_text(text)
        occurring = {d.name for d in detectors if d.name in text}
        assert occurring == {d.name for d in detectors if d.calls}, (literals, text)


def test_unhashable_detectors_are_fine():
    """Detectors need not be hashable (a plain dataclass with eq is not)."""
    from dataclasses import dataclass

    @dataclass
    class Unhashable:
        name: str = "unhashable"
        literals: tuple[str, ...] = ("zz",)

        def detect(self, text: str) -> list[Finding]:
            start = text.find("zz")
            return [] if start < 0 else [Finding("ZZ", start, start + 2, 0.9, self.name)]

    engine = Scrubber([Unhashable(), PrefilteredDetector()])
    assert "a <ZZ> <SECRET>" == engine.scrub_text("a zz SECRET")


def test_clean_texts_are_remembered_but_findings_are_not():
    """A clean short text is served from the clean set; a text with PII never is."""
    engine = scrubber.load_scrubber()
    assert "cache warmed" == engine.scrub_text("cache warmed")
    assert "cache warmed" in engine._clean
    out = engine.scrub_text("mail bob@example.com")
    assert "bob@example.com" not in out
    assert "mail bob@example.com" not in engine._clean


def test_a_new_policy_forgets_the_clean_texts():
    """Texts found clean under one policy are checked again under another."""
    from dataclasses import replace

    engine = scrubber.load_scrubber()
    engine.scrub_text("id 4111")
    assert "id 4111" in engine._clean
    engine.policy = replace(engine.policy, threshold=0.0)
    engine.scrub_text("other")
    assert "id 4111" not in engine._clean


def test_placeholders_follow_the_policy_they_were_made_with():
    """A new policy's operators apply from the next text on, whatever the caches hold;
    operators that depend on the value (mask, a ReplaceOperator subclass) see each one."""
    from dataclasses import replace
    from types import MappingProxyType

    class Numbered(scrubber.ReplaceOperator):
        def __call__(self, entity: str, value: str) -> str:
            return f"<{entity}:{len(value)}>"

    engine = scrubber.load_scrubber()
    text = "mail bob@example.com and al@example.org"
    assert "mail <EMAIL_ADDRESS> and <EMAIL_ADDRESS>" == engine.scrub_text(text)
    cases: list[tuple[scrubber.Operator, str]] = [
        (scrubber.ReplaceOperator("[{entity}]"), "mail [EMAIL_ADDRESS] and [EMAIL_ADDRESS]"),
        (Numbered(), "mail <EMAIL_ADDRESS:15> and <EMAIL_ADDRESS:14>"),
        (scrubber.MaskOperator(keep_last=3), "mail ***@*******.com and **@*******.org"),
    ]
    for operator, expected in cases:
        operators = MappingProxyType({**engine.policy.operators, "EMAIL_ADDRESS": operator})
        engine.policy = replace(engine.policy, operators=operators)
        for _ in range(2):  # the second time from whatever was remembered
            assert expected == engine.scrub_text(text)
            assert expected.split(" and ")[0] == engine.scrub_text("mail bob@example.com")
