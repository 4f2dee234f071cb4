"""The runner's commit discipline with fake Kafka clients: commit only what sinks acked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from kafka import TopicPartition

from logward.stream import Deliverer, KafkaSink, Metrics, Processor, StreamRunner, make_listener
from scrubber import Sealer
from tests.logward.stream._helpers import make_scrubber

TP = TopicPartition("raw", 0)


@dataclass
class Msg:
    topic: str
    partition: int
    offset: int
    value: bytes
    key: bytes | None = None
    headers: list[tuple[str, bytes]] | None = None
    timestamp: int = 1


class FakeConsumer:
    """Hands out prepared chunks of records; records commits and pauses."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.commits: list[int] = []
        self.paused_calls = 0

    def poll(self, timeout_ms=0, max_records=None):
        return {TP: self.chunks.pop(0)} if self.chunks else {}

    def commit(self, offsets):
        self.commits.append(offsets[TP].offset)

    def assignment(self):
        return {TP}

    def pause(self, *tps):
        self.paused_calls += 1

    def resume(self, *tps):
        pass

    def seek(self, tp, offset):
        pass

    def highwater(self, tp):
        return None


class FakeFuture:
    def __init__(self, fail):
        self.fail = fail

    def get(self, timeout=None):
        if self.fail:
            raise RuntimeError("broker said no")


class FakeProducer:
    """Accepts sends; the first ``fail_first`` futures fail."""

    def __init__(self, fail_first=0):
        self.sent: list[bytes] = []
        self.delivered: list[bytes] = []
        self.fail_first = fail_first

    def send(self, topic, value=None, key=None, headers=None, timestamp_ms=None):
        self.sent.append(value)
        fail = self.fail_first > 0
        self.fail_first -= 1
        if not fail:
            self.delivered.append(value)
        return FakeFuture(fail)

    def flush(self):
        pass


def runner_for(consumer, producer):
    deliverer = Deliverer(
        producer,
        "quarantine",
        Sealer(bytes(32)),
        [KafkaSink(producer, "clean")],
        exactly_once=False,
        metrics=Metrics(),
        scrubber=make_scrubber(),
    )
    return StreamRunner(
        consumer,
        Processor(make_scrubber(), documents=False),
        deliverer,
        batch_size=10,
        linger_ms=0,
        max_backoff=0.01,
    )


def chunk(start, n):
    return [
        Msg("raw", 0, i, f"mail alice@example.com {i}".encode()) for i in range(start, start + n)
    ]


def test_batch_committed_only_after_ack():
    """A batch in flight is committed once the next poll finds Kafka has acknowledged it."""
    consumer, producer = FakeConsumer([chunk(0, 3), chunk(3, 2)]), FakeProducer()
    runner = runner_for(consumer, producer)
    runner.run_once()
    assert [] == consumer.commits
    runner.run_once()
    assert [3] == consumer.commits
    runner.run_once()
    assert [3, 5] == consumer.commits
    assert 5 == len(producer.sent)
    assert all(b"alice@example.com" not in v for v in producer.sent)


@pytest.mark.parametrize(("fail_first", "sends", "pauses"), [(1, 3, 0), (3, 5, 1)])
def test_failed_send_is_retried_before_commit(fail_first, sends, pauses):
    """Only the sends Kafka refused are sent again (pausing fetch if it keeps failing);
    no record is delivered twice; then the batch is committed."""
    consumer, producer = FakeConsumer([chunk(0, 2)]), FakeProducer(fail_first=fail_first)
    runner = runner_for(consumer, producer)
    runner.run_once()
    runner.run_once()
    assert [2] == consumer.commits
    assert sends == len(producer.sent)
    assert pauses == consumer.paused_calls
    assert sorted(set(producer.delivered)) == sorted(producer.delivered)
    assert 2 == len(producer.delivered)
    assert frozenset() == runner.deliverer.unsettled  # settled once committed


def test_revocation_completes_and_commits_in_flight_batch():
    """On partition revocation the batch in flight is awaited and its offsets committed."""
    consumer, producer = FakeConsumer([chunk(0, 4)]), FakeProducer()
    runner = runner_for(consumer, producer)
    runner.run_once()
    make_listener(runner).on_partitions_revoked({TP})
    assert [4] == consumer.commits


def test_stop_completes_in_flight_batch():
    """run() returns after a stop request having committed the last batch."""
    consumer, producer = FakeConsumer([chunk(0, 4)]), FakeProducer()
    runner = runner_for(consumer, producer)
    runner.run_once()
    runner.request_stop()
    assert 0 == runner.run()
    assert [4] == consumer.commits


@pytest.mark.parametrize("fail_first", [1, 3])
def test_quarantine_and_clean_all_accounted(fail_first):
    """Every consumed offset is sent once to clean or quarantine, plus retries on failure."""
    records = [*chunk(0, 2), Msg("raw", 0, 2, b"\xff"), *chunk(3, 1)]
    consumer, producer = FakeConsumer([records]), FakeProducer(fail_first=fail_first)
    runner = runner_for(consumer, producer)
    runner.run_once()
    runner.run_once()
    assert [4] == consumer.commits
    assert 1 == runner.metrics.quarantined.labels(reason="ParseError")._value.get()
