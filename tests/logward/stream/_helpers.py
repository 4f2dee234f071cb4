"""A tiny pattern engine and Kafka helpers for the stream tests."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from detectors import Finding
from scrubber import Scrubber

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\+?\d[\d -]{8,}\d")
PII_VALUES = ("alice@example.com", "bob.smith@corp.example", "+44 20 7946 0958")


@dataclass(frozen=True)
class RegexDetector:
    """Finds e-mail addresses and phone numbers (enough for sidecar tests)."""

    name: str = "test-regex"

    def detect(self, text: str) -> Iterable[Finding]:
        for m in EMAIL.finditer(text):
            yield Finding("EMAIL_ADDRESS", m.start(), m.end(), 0.9, self.name)
        for m in PHONE.finditer(text):
            yield Finding("PHONE_NUMBER", m.start(), m.end(), 0.8, self.name)


@dataclass(frozen=True)
class BrokenRuleDetector:
    """Raises on texts containing TRIGGER: stands in for a rule that errors at run time."""

    name: str = "broken-rule"
    trigger: str = "BOOM-RULE"

    def detect(self, text: str) -> Iterable[Finding]:
        if self.trigger in text:
            raise ValueError("catastrophic backtracking in rule 'broken' on alice@example.com")
        return ()


def make_scrubber(broken: bool = True) -> Scrubber:
    """A scrubber with the regex detector (and the broken one)."""
    dets: list[RegexDetector | BrokenRuleDetector] = [RegexDetector()]
    if broken:
        dets.append(BrokenRuleDetector())
    return Scrubber(dets)


def assert_no_pii(data: bytes | str | None) -> None:
    """Fail if any of the seeded PII values appears in ``data``."""
    if data is None:
        return
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for value in PII_VALUES:
        assert value not in text


def create_topics(bootstrap: str, names: list[str], partitions: int = 1) -> None:
    """Create topics with the admin client."""
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        admin.close()


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 20.0, *, committed=True):
    """Read ``topic`` from the start until ``expected`` records arrived or timeout."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed" if committed else "read_uncommitted",
    )
    out: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        parts: set[int] = set()
        while not parts and time.monotonic() < deadline:
            parts = consumer.partitions_for_topic(topic) or set()
            if not parts:
                time.sleep(0.1)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        while len(out) < expected and time.monotonic() < deadline:
            for msgs in consumer.poll(timeout_ms=200).values():
                out.extend(msgs)
        # a short extra wait catches duplicates beyond the expected count
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            for msgs in consumer.poll(timeout_ms=100).values():
                out.extend(msgs)
    finally:
        consumer.close()
    return out


_ABORT_PROBE: dict[str, bool] = {}


def broker_hides_aborted(bootstrap: str) -> bool:
    """Whether a read_committed consumer on this broker skips aborted transactions.

    Tansu 0.6.0 does not: explicitly aborted records are returned to
    read_committed consumers, so a zombie transaction cut off by kill -9 shows
    up there even though the sidecar aborted and redid it.
    """
    if bootstrap not in _ABORT_PROBE:
        import uuid

        from kafka import KafkaProducer

        topic = f"abort-probe-{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, [topic])
        producer = KafkaProducer(
            bootstrap_servers=bootstrap, transactional_id=f"probe-{topic}", acks="all"
        )
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, b"aborted")
        producer.flush()
        producer.abort_transaction()
        producer.begin_transaction()
        producer.send(topic, b"committed")
        producer.commit_transaction()
        producer.close()
        values = [m.value for m in read_all(bootstrap, topic, 2, timeout=5)]
        _ABORT_PROBE[bootstrap] = b"aborted" not in values
    return _ABORT_PROBE[bootstrap]
