"""The engine: overlap resolution, fail-closed behaviour, batches, chunking, counters."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

import scrubber
from detectors import Finding
from logward_base.errors import ConfigError
from scrubber import FAILED_PLACEHOLDER, Scrubber, ScrubPolicy


@pytest.fixture
def shipped_engine() -> Scrubber:
    """A fresh scrubber from the shipped rules (its own stats)."""
    return scrubber.load_scrubber()


class SpanDetector:
    """Reports fixed spans of every text (for overlap tests)."""

    def __init__(self, name, spans):
        self.name = name
        self._spans = spans

    def detect(self, text):
        return [Finding(e, s, t, score, self.name) for e, s, t, score in self._spans]


class WordDetector:
    """Reports every occurrence of a word as an entity."""

    def __init__(self, word, entity, score=0.9):
        self.name = f"word:{word}"
        self._word, self._entity, self._score = word, entity, score

    def detect(self, text):
        start = text.find(self._word)
        while start >= 0:
            yield Finding(self._entity, start, start + len(self._word), self._score, self.name)
            start = text.find(self._word, start + 1)


class BoomDetector:
    """Raises on every text, with the text in the message (which must not leak)."""

    name = "boom"

    def detect(self, text):
        raise RuntimeError(f"cannot handle {text}")


class FakeBatchDetector:
    """A batch detector recording its calls; finds the word ``Alice``."""

    name = "fake_ner"

    def __init__(self, fail_batch=False, fail_on=None):
        self.batches: list[list[str]] = []
        self.single: list[str] = []
        self._fail_batch = fail_batch
        self._fail_on = fail_on

    def _find(self, text):
        if self._fail_on is not None and self._fail_on in text:
            raise RuntimeError("model error")
        start = text.find("Alice")
        return [] if start < 0 else [Finding("PERSON", start, start + 5, 0.85, self.name)]

    def detect(self, text):
        self.single.append(text)
        return self._find(text)

    def detect_batch(self, texts: Sequence[str]):
        self.batches.append(list(texts))
        if self._fail_batch:
            raise RuntimeError("batch failed")
        return [self._find(t) for t in texts]


def test_higher_score_wins_overlap():
    """Of two overlapping single-token findings the higher-scoring one is applied."""
    engine = Scrubber([SpanDetector("d", [("A", 0, 5, 0.6), ("B", 3, 8, 0.9)])])
    assert "abc<B>" == engine.scrub_text("abcdefgh")


def test_longer_span_wins_equal_scores():
    """With equal scores the longer span wins."""
    engine = Scrubber([SpanDetector("d", [("SHORT", 2, 4, 0.8), ("LONG", 1, 6, 0.8)])])
    assert "a<LONG>gh" == engine.scrub_text("abcdefgh")


def test_disjoint_findings_replaced_right_to_left():
    """Several findings in one text are all replaced at their original offsets."""
    engine = Scrubber([WordDetector("cat", "ANIMAL"), WordDetector("red", "COLOUR")])
    assert "a <COLOUR> <ANIMAL> and a <ANIMAL>" == engine.scrub_text("a red cat and a cat")


def test_findings_below_threshold_are_ignored():
    """The policy threshold drops low-scoring findings."""
    engine = Scrubber([WordDetector("cat", "ANIMAL", 0.4)], policy=ScrubPolicy(threshold=0.5))
    assert "a cat" == engine.scrub_text("a cat")


def test_find_returns_resolved_findings_in_order():
    """``find`` exposes the resolved, ordered findings without changing the text."""
    engine = Scrubber([WordDetector("cat", "ANIMAL"), SpanDetector("d", [("X", 0, 3, 0.95)])])
    found = engine.find("cat cat")
    assert [("X", 0, 3), ("ANIMAL", 4, 7)] == [(f.entity, f.start, f.end) for f in found]


def test_detector_error_fails_closed():
    """An exception inside a detector yields the placeholder, never the raw text."""
    engine = Scrubber([BoomDetector()])
    assert FAILED_PLACEHOLDER == engine.scrub_text("secret value 4111111111111111")
    assert 1 == engine.stats.failures


def test_fail_closed_in_mappings_and_batches():
    """Failures in mappings and batches replace each affected key and value, nothing else."""
    engine = Scrubber([BoomDetector()])
    expected = {FAILED_PLACEHOLDER: FAILED_PLACEHOLDER, f"{FAILED_PLACEHOLDER}#2": 3}
    assert expected == engine.scrub_mapping({"a": "x", "n": 3})
    assert [FAILED_PLACEHOLDER, FAILED_PLACEHOLDER] == engine.scrub_texts(["x", "y"])


def test_counts_per_call_and_stats_per_process():
    """``counts`` gets this call's redactions; ``stats`` accumulates across calls."""
    engine = Scrubber([WordDetector("cat", "ANIMAL")])
    counts: Counter[str] = Counter()
    engine.scrub_text("cat cat", counts)
    assert {"ANIMAL": 2} == dict(counts)
    engine.scrub_text("cat")
    assert {"ANIMAL": 3} == engine.stats.snapshot()
    engine.stats.reset()
    assert {} == engine.stats.snapshot()


def test_scrub_texts_sends_one_batch_to_batch_detectors():
    """Batch detectors get the whole batch in one call; pattern findings still apply."""
    ner = FakeBatchDetector()
    engine = Scrubber([WordDetector("cat", "ANIMAL"), ner])
    out = engine.scrub_texts(["Alice has a cat", "no pii", "Alice"])
    assert ["<PERSON> has a <ANIMAL>", "no pii", "<PERSON>"] == out
    assert [["Alice has a cat", "no pii", "Alice"]] == ner.batches


def test_scrub_texts_falls_back_per_text_when_batch_fails():
    """A failing batch is retried text by text; only texts that still fail are replaced."""
    ner = FakeBatchDetector(fail_batch=True, fail_on="boom")
    engine = Scrubber([ner])
    assert ["<PERSON> ok", FAILED_PLACEHOLDER] == engine.scrub_texts(["Alice ok", "boom"])
    assert 1 == engine.stats.failures


def test_long_text_is_chunked_without_losing_boundary_findings():
    """A value straddling a chunk boundary is still found; offsets stay right."""
    engine = Scrubber([WordDetector("SECRETVALUE", "S")], chunk_chars=100, chunk_overlap=20)
    text = "x" * 95 + "SECRETVALUE" + "y" * 300 + "SECRETVALUE"
    out = engine.scrub_text(text)
    assert "x" * 95 + "<S>" + "y" * 300 + "<S>" == out


def test_value_running_past_its_chunk_is_redacted_to_its_end():
    """A value found up to a chunk's end is not left to leak in the next chunks."""
    from detectors import KeyNameMatcher, KeyValueDetector

    detector = KeyValueDetector(KeyNameMatcher({"token": "SECRET"}))
    engine = Scrubber([detector], chunk_chars=100, chunk_overlap=20)
    out = engine.scrub_text("a token=" + "x" * 500 + " end token=" + "y" * 30 + " z")
    assert "a token=<SECRET> end token=<SECRET> z" == out


def test_chunk_settings_are_checked():
    """An overlap as large as the chunk is refused at construction, as a ConfigError."""
    with pytest.raises(ConfigError, match="chunk_overlap must be smaller than chunk_chars"):
        Scrubber([], chunk_chars=10, chunk_overlap=10)


def test_non_str_inputs_do_not_crash(shipped_engine):
    """bytes are decoded, other objects stringified, then scrubbed."""
    assert "mail <EMAIL_ADDRESS>" == shipped_engine.scrub_text(b"mail bob@example.com")
    assert "12" == shipped_engine.scrub_text(12)
    assert "" == shipped_engine.scrub_text("")


def test_binary_garbage_and_invalid_utf8(shipped_engine):
    """Random bytes and NULs are handled, and PII next to them still goes."""
    rng = random.Random(5)
    garbage = bytes(rng.randrange(256) for _ in range(4096))
    text = garbage.decode("utf-8", "surrogateescape") + " bob@example.com \x00\x01"
    out = shipped_engine.scrub_text(text)
    assert "bob@example.com" not in out
    assert 0 == shipped_engine.stats.failures


def test_enormous_line_is_scrubbed(shipped_engine):
    """A multi-megabyte line (no newline) is scrubbed completely, PII everywhere."""
    filler = "GET /a?b=1 HTTP/1.1 200 512 " * 20_000
    text = "bob@example.com " + filler + " 4111 1111 1111 1111 " + filler + " 192.168.7.7"
    out = shipped_engine.scrub_text(text)
    assert "bob@example.com" not in out
    assert "4111 1111 1111 1111" not in out
    assert "192.168.7.7" not in out
    assert out.count("HTTP/1.1 200 512") == 40_000


@pytest.mark.parametrize(
    "text",
    [
        "1" * 50_000,
        "a@" * 20_000,
        "+" + "1 " * 20_000,
        "aaaa:" * 20_000,
        "password=" * 10_000,
        "-----BEGIN PRIVATE KEY-----" + "A" * 100_000,
        "eyJ" + "a" * 50_000 + ".eyJ" + "b" * 50_000,
        "GB82 " * 20_000,
        "(" * 50_000,
    ],
)
def test_adversarial_lines_finish(shipped_engine, text):
    """Inputs built to trigger backtracking complete (pytest-timeout guards the run)."""
    out = shipped_engine.scrub_text(text)
    assert isinstance(out, str)


def test_default_scrubber_is_shared_and_thread_safe():
    """Concurrent first uses of the default scrubber all get the same instance."""
    seen: list[Scrubber] = []
    threads = [
        threading.Thread(target=lambda: seen.append(scrubber.get_default_scrubber()))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 == len({id(s) for s in seen})
    assert "hi <EMAIL_ADDRESS>" == scrubber.scrub_text("hi a.b@example.org")


def test_import_is_light():
    """``import scrubber`` parses no YAML and loads neither PyYAML nor spaCy."""
    code = (
        "import sys, scrubber\n"
        "bad = [m for m in ('yaml', 'spacy', 'presidio_analyzer') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert "" == result.stdout.strip()


def test_overlapping_findings_of_one_entity_are_joined():
    """Two overlapping spans of the same entity become their union, leaving no fragment."""
    engine = Scrubber([SpanDetector("d", [("PHONE", 0, 10, 0.7), ("PHONE", 3, 14, 0.9)])])
    assert "<PHONE>!" == engine.scrub_text("0123456789abcd!")
