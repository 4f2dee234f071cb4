"""Faults against the real broker: kill -9 and restart, two instances in one group."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.logward.stream._helpers import (
    assert_no_pii,
    broker_hides_aborted,
    create_topics,
    read_all,
)
from tests.logward.stream._sidecar import source_ids, start_sidecar, unique, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka]


class SteadyProducer(threading.Thread):
    """Produces ``total`` records with PII at about ``rate`` per second."""

    def __init__(self, bootstrap, topic, total, rate, partitions=2):
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.total, self.rate = bootstrap, topic, total, rate
        self.partitions = partitions

    def run(self):
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5)
        start = time.monotonic()
        for i in range(self.total):
            producer.send(
                self.topic,
                value=f"n={i} mail alice@example.com".encode(),
                key=b"+44 20 7946 0958",
                partition=i % self.partitions,
            )
            ahead = i / self.rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        producer.flush()
        producer.close()


@pytest.mark.parametrize("exactly_once", [False, True], ids=["at-least-once", "exactly-once"])
def test_kill9_mid_stream_then_restart(kafka_broker, tmp_path, exactly_once):
    """kill -9 mid-stream and restart: nothing lost; with --exactly-once no duplicates."""
    raw, out, quar = unique("raw"), unique("clean"), unique("quar")
    create_topics(kafka_broker.bootstrap, [raw, out, quar], partitions=2)
    total = 1500
    args = [
        "--input-topic",
        raw,
        "--group-id",
        unique("g"),
        "--output-topic",
        out,
        "--quarantine-topic",
        quar,
    ]
    if exactly_once:
        args += ["--exactly-once", "--transactional-id", unique("tx")]
    car = start_sidecar(tmp_path, kafka_broker.bootstrap, *args, name="first")
    feeder = SteadyProducer(kafka_broker.bootstrap, raw, total, rate=300)
    try:
        assert wait_until(lambda: "assigned" in car.logs(), 30)
        feeder.start()
        assert wait_until(lambda: car.metric("logward_stream_records_out_total") >= 150, 30)
        car.kill9()
        mid_stream = feeder.is_alive()
    finally:
        car.stop()
    second = start_sidecar(tmp_path, kafka_broker.bootstrap, *args, name="second")
    try:
        feeder.join(30)
        clean = read_all(kafka_broker.bootstrap, out, total, timeout=40)
    finally:
        second.stop()
    ids = Counter(source_ids(clean))
    expected = {f"{raw}-{p}-{o}" for p in (0, 1) for o in range(total // 2)}
    assert set() == expected - set(ids), "records lost"
    assert mid_stream, "the kill did not happen mid-stream"
    duplicates = sum(n - 1 for n in ids.values())
    if exactly_once and broker_hides_aborted(kafka_broker.bootstrap):
        assert 0 == duplicates
    elif exactly_once:
        # This broker shows aborted records to read_committed readers: the only
        # duplicates allowed are those of the one zombie transaction kill -9 cut off.
        assert duplicates <= 2 * 50
    else:
        assert duplicates <= 2 * 50  # at most the uncommitted batch per partition
    for m in clean[:50]:
        assert_no_pii(m.value)
        assert_no_pii(m.key)


def test_two_instances_split_partitions_exactly_once(kafka_broker, tmp_path):
    """Two instances in one group split the partitions; nothing is output twice."""
    raw, out, quar, group = unique("raw"), unique("clean"), unique("quar"), unique("g")
    create_topics(kafka_broker.bootstrap, [raw, out, quar], partitions=4)
    common = [
        "--input-topic",
        raw,
        "--group-id",
        group,
        "--output-topic",
        out,
        "--quarantine-topic",
        quar,
        "--exactly-once",
    ]
    first = start_sidecar(
        tmp_path, kafka_broker.bootstrap, *common, "--transactional-id", unique("tx"), name="a"
    )
    second = None
    try:
        assert wait_until(lambda: "assigned" in first.logs(), 30)
        # the second instance joins while records flow: a rebalance mid-stream
        feeder = SteadyProducer(kafka_broker.bootstrap, raw, 800, rate=120, partitions=4)
        feeder.start()
        second = start_sidecar(
            tmp_path, kafka_broker.bootstrap, *common, "--transactional-id", unique("tx"), name="b"
        )
        feeder.join(30)
        clean = read_all(kafka_broker.bootstrap, out, 800, timeout=40)
        seen_a = first.metric("logward_stream_records_in_total")
        seen_b = second.metric("logward_stream_records_in_total")
    finally:
        first.stop()
        if second is not None:
            second.stop()
    ids = Counter(source_ids(clean))
    assert 800 == len(ids)
    assert 0 == sum(n - 1 for n in ids.values())
    assert seen_a > 0
    assert seen_b > 0
