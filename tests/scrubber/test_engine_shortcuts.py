"""The engine's per-line shortcuts give the full path's results (encoded text,
single findings, counts, the key-value first pass)."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from detectors import Finding, KeyNameMatcher, KeyValueDetector
from scrubber import (
    FAILED_PLACEHOLDER,
    Scrubber,
    resolve_overlaps,
)
from tests.scrubber.reference import naive_resolve


class SecretDetector:
    """Finds every ``SECRET`` (the decoded view must reach it)."""

    name = "secret"

    def detect(self, text: str) -> list[Finding]:
        return [
            Finding("SECRET", m.start(), m.end(), 0.9, self.name)
            for m in re.finditer("SECRET", text)
        ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v=S%45CRET&x=1", "v=<SECRET>&x=1"),
        ("v=S&#69;CRET ok", "v=<SECRET> ok"),
        ("v=S&#x45;CRET ok", "v=<SECRET> ok"),
        ("v=S\\u0045CRET ok", "v=<SECRET> ok"),
        ("v=SEC\u200bRET ok", "v=<SECRET> ok"),
        ("v=SEC\u00adRET ok", "v=<SECRET> ok"),
        ("auth Basic U0VDUkVU ok", "auth Basic <SECRET> ok"),
        ("q=a+SECRET&p=2", "q=<SECRET>&p=2"),
        ("q=S%2545CRET", "q=<SECRET>"),
    ],
)
def test_every_encoding_reaches_the_decoded_view(text, expected):
    """Each kind of encoded text is decoded and redacted (none is ruled out early)."""
    engine = Scrubber([SecretDetector()])
    assert expected == engine.scrub_text(text)
    assert [expected] == engine.scrub_texts([text])


def test_encoded_flag_given_or_not_resolves_the_same():
    """_resolve with the encoded flag precomputed equals _resolve computing it."""
    engine = Scrubber([SecretDetector()])
    for text in ["v=S%45CRET SECRET", "plain SECRET", "a+b SECRET", "x&#69;y", ""]:
        found = SecretDetector().detect(text)
        assert engine._resolve(list(found), text) == engine._resolve(
            list(found), text, "%" in text or "&" in text or "+" in text
        )


@pytest.mark.parametrize(
    "finding",
    [
        Finding("A", 0, 3, 0.9, "d"),
        Finding("A", 0, 3, 0.5, "d"),  # at the threshold: kept
        Finding("A", 0, 3, 0.49, "d"),  # below: dropped
        Finding("A", 3, 3, 0.9, "d"),  # empty: dropped
    ],
)
def test_one_finding_resolves_as_the_general_path(finding):
    """A single finding is kept or dropped exactly as among several non-overlapping ones."""
    far = Finding("B", 10, 12, 0.9, "d")
    general = resolve_overlaps([finding, far], "x" * 20, 0.5)
    assert [f for f in general if f is not far] == resolve_overlaps([finding], "x" * 20, 0.5)


def test_counts_follow_the_kept_findings_in_replacement_order():
    """Per-text counts hold one per replaced finding, first counted at the right."""

    class Fixed:
        name = "fixed"

        def detect(self, text: str) -> list[Finding]:
            return [
                Finding("A", 0, 1, 0.9, self.name),
                Finding("A", 2, 3, 0.9, self.name),
                Finding("B", 4, 5, 0.9, self.name),
                Finding("C", 4, 6, 0.6, self.name),  # overlaps a winner: not counted
            ]

    result, counts = Scrubber([Fixed()]).scrub_text_counted("a b c d")
    assert "<A> <A> <B> d" == result
    assert Counter({"A": 2, "B": 1}) == counts
    assert ["B", "A"] == list(counts or {})


def test_detector_exception_fails_closed_on_the_encoded_path():
    """A detector raising on the decoded view still fails the text closed."""

    class RaisesOnDecoded:
        name = "raises"

        def detect(self, text: str) -> list[Finding]:
            if "@" in text:
                raise RuntimeError(text)
            return []

    engine = Scrubber([RaisesOnDecoded()])
    assert (FAILED_PLACEHOLDER, None) == engine.scrub_text_counted("mail jane%40example.com")
    assert 1 == engine.stats.failures


# The key-value first pass as it was written before the possessive form (the reference).
_REFERENCE_KEY = re.compile(
    r"""(?:=|:)[ \t]{0,3}["']?([A-Za-z0-9_.\-\[\]]{0,63}[A-Za-z_])(?![A-Za-z0-9_.\-\[\]])"""
)


def _reference_starts(matcher: KeyNameMatcher, text: str) -> list[int]:
    if "=" not in text and ":" not in text:
        return []
    size = len(text)
    starts = [
        size - found.end(1)
        for found in _REFERENCE_KEY.finditer(text[::-1])
        if matcher.entity_for(found.group(1)[::-1]) is not None
    ]
    return starts[::-1]


def test_key_first_pass_matches_the_reference_on_random_text():
    """The possessive, cached first pass finds the key starts the reference finds."""
    matcher = KeyNameMatcher({"email": "EMAIL_ADDRESS", "a": "SECRET", "b_1": "PERSON"})
    detector = KeyValueDetector(matcher)
    rng = random.Random(9)
    alphabet = "aabb__11.-[]==::  \t\"'xé"
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        if rng.random() < 0.2:
            text = "a" * rng.randrange(60, 70) + text  # keys around the 64-character cap
        assert _reference_starts(matcher, text) == detector._pii_key_starts(text), text


def test_key_first_pass_asks_an_overriding_matcher_every_time():
    """A matcher subclass overriding entity_for is asked for every key (nothing cached)."""

    class Counting(KeyNameMatcher):
        def __init__(self) -> None:
            super().__init__({"email": "EMAIL_ADDRESS"})
            self.asked = 0

        def entity_for(self, key: str) -> str | None:
            self.asked += 1
            return super().entity_for(key)

    matcher = Counting()
    detector = KeyValueDetector(matcher)
    text = "email=bob@example.com level=info"
    first = detector.detect(text)
    asked = matcher.asked
    assert first == detector.detect(text)
    assert 2 * asked == matcher.asked
    assert [Finding("EMAIL_ADDRESS", 6, 21, 0.9, "key_value")] == first


class LiteralDetector:
    """Declares literals; finds nothing (the gate's selection is what is tested)."""

    def __init__(self, name: str, literals: tuple[str, ...]) -> None:
        self.name = name
        self.literals = literals

    def detect(self, text: str) -> list[Finding]:
        return []


def _reference_active(engine: Scrubber, text: str) -> list[object]:
    """The gate's selection by definition: the triggered detectors whose trigger
    matches, then every detector one of whose literals occurs in the lowered text."""
    gate = engine._active.__self__  # type: ignore[attr-defined]
    active = [d for d, trigger in gate._triggered if trigger is None or trigger.search(text)]
    lowered = text.lower()
    literal = [d for d in gate._plain if any(lit in lowered for lit in getattr(d, "literals", ()))]
    return active + literal


def test_gate_selects_as_before_on_random_text():
    """Cached literal combinations select exactly the detectors whose literal occurs."""
    detectors = [
        LiteralDetector("phone", ("mob", "mobile", "sms")),
        LiteralDetector("post", ("address", "zip")),
        LiteralDetector("mail", ("@", "%40")),
        LiteralDetector("key", ("private key",)),
    ]
    engine = Scrubber([*detectors, SecretDetector()])
    rng = random.Random(3)
    words = ["mob", "mobile", "sms", "address", "zip", "@", "%40", "private key", "x", " ", "ADD"]
    for _ in range(3000):
        text = "".join(rng.choice(words) for _ in range(rng.randrange(0, 8)))
        for _ in range(2):  # a miss, then a hit of the combination cache
            assert _reference_active(engine, text) == engine._active(text), text
            for d in detectors:
                if any(lit in text.lower() for lit in d.literals):
                    assert d in engine._active(text), (d.name, text)


def test_same_entity_overlaps_resolve_as_the_naive_reference():
    """Duplicates, nested and chained findings of one entity (the shortcut), mixed
    with other entities (the full path), resolve as the naive reference does."""
    text = "a" * 40
    rng = random.Random(11)
    for _ in range(4000):
        found = []
        for _ in range(rng.randrange(0, 7)):
            start = rng.randrange(0, 30)
            end = start + rng.randrange(0, 9)
            entity = "A" if rng.random() < 0.8 else rng.choice(["B", "PERSON"])
            score = rng.choice([0.4, 0.6, 0.9, 1.0])
            found.append(Finding(entity, start, end, score, rng.choice("xyz")))
            if rng.random() < 0.4:  # the same value found by another rule
                found.append(Finding(entity, start, end, rng.choice([0.6, 0.9]), "dup"))
        expected = naive_resolve(list(found), text)
        assert expected == resolve_overlaps(list(found), text, 0.5), found


def test_every_encoded_token_is_decoded_wherever_the_first_mark_is():
    """Encoded tokens are all found, before or after blanks, tabs and other marks."""
    engine = Scrubber([SecretDetector()])
    encoded = ["S%45CRET", "S&#69;CRET", "SEC\u200bRET", "S\\u0045CRET", "S%2545CRET"]
    plain = ["x", "a+b", "%41", "ok&#33;", "plain", "t\u200bx", "SECRE"]
    rng = random.Random(17)
    for _ in range(2000):
        words = [rng.choice(encoded if rng.random() < 0.3 else plain) for _ in range(6)]
        seps = [rng.choice([" ", "\t", "  ", "?", "=", ", ", "\u3000"]) for _ in words]
        text = "".join(w + s for w, s in zip(words, seps, strict=True))
        expected = "".join(
            ("<SECRET>" if w in encoded else w) + s for w, s in zip(words, seps, strict=True)
        )
        assert expected == engine.scrub_text(text), text
