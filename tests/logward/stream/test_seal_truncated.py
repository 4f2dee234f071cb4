"""Sealing a record too large for the producer: size, SHA-256 and first bytes, never replayed."""

from __future__ import annotations

import hashlib
import os

from logward.stream import (
    HEAD_BYTES,
    TRUNCATED_CLASS,
    InRecord,
    QuarantinedRecord,
    open_entry,
    read_entry,
    replay_quarantine,
    seal_record,
)
from scrubber import Sealer
from tests.logward.stream._helpers import make_scrubber

SEALER = Sealer(bytes(range(32)))


def _poison(size: int) -> QuarantinedRecord:
    rec = InRecord("raw", 3, 77, b"k" * 1000, os.urandom(size), (("h", b"v" * 10),), 1234)
    return QuarantinedRecord(rec, "ParseError", "ParseError: value is not UTF-8")


def test_record_that_fits_is_sealed_whole():
    """Under the limit nothing changes: the whole record opens again."""
    item = _poison(50_000)
    msg = seal_record(SEALER, item, limit=200_000)
    assert not msg.truncated
    entry = read_entry(msg.value, msg.headers)
    assert "ParseError" == entry.error_class
    assert item.source == open_entry(SEALER, entry)


def test_record_over_the_limit_is_sealed_truncated_with_digest():
    """Over the limit: class TooLargeToQuarantine, first bytes sealed, size and digest given."""
    item = _poison(300_000)
    msg = seal_record(SEALER, item, limit=200_000)
    assert msg.truncated
    assert msg.size <= 200_000
    entry = read_entry(msg.value, msg.headers)
    assert TRUNCATED_CLASS == entry.error_class
    assert (3, 77) == (entry.partition, entry.offset)
    value = item.source.value or b""
    assert hashlib.sha256(value).hexdigest() in entry.error
    assert "300000 bytes" in entry.error
    assert "ParseError" in entry.error
    opened = open_entry(SEALER, entry)
    assert value[:HEAD_BYTES] == opened.value
    assert value[HEAD_BYTES:] not in msg.value


def test_truncated_record_is_never_replayed():
    """Replay counts a truncated entry as still failing and sends nothing."""
    msg = seal_record(SEALER, _poison(300_000), limit=200_000)
    sent: list[object] = []
    report = replay_quarantine(
        [read_entry(msg.value, msg.headers)], SEALER, make_scrubber(), sent.extend
    )
    assert (1, 0, 1) == (report.total, report.sent, report.still_failing)
    assert [] == sent


def test_scrubbed_record_too_large_for_the_producer_is_quarantined():
    """A clean record that grew past the producer limit goes to quarantine, not a retry loop."""
    from logward.stream import CleanRecord, Deliverer, KafkaSink, Metrics

    class Producer:
        def __init__(self):
            self.topics: list[str] = []

        def send(self, topic, **_):
            from concurrent.futures import Future

            self.topics.append(topic)
            done: Future[None] = Future()
            done.set_result(None)

            class Ok:
                def get(self, timeout=None):
                    return done.result()

            return Ok()

        def flush(self):
            pass

    src = InRecord("raw", 0, 1, None, b"x")
    big = CleanRecord(src, None, b"<EMAIL_ADDRESS>" * 20_000, (), {})
    small = CleanRecord(InRecord("raw", 0, 2, None, b"y"), None, b"ok", (), {})
    producer = Producer()
    sinks = [KafkaSink(producer, "clean", max_message_bytes=100_000)]
    deliverer = Deliverer(
        producer, "quar", SEALER, sinks, exactly_once=False, metrics=Metrics(),
        scrubber=make_scrubber(), max_message_bytes=100_000,
    )  # fmt: skip
    result = deliverer.deliver([big, small])
    assert (1, 1) == (result.clean, result.quarantined)
    assert {"OutputTooLarge": 1} == result.reasons
    assert ["clean", "quar"] == producer.topics
