"""The Deliverer drives sinks only through the ``Sink`` protocol, keeping its guarantees."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future

import pytest

from logward.stream import (
    SINKS,
    CleanRecord,
    Deliverer,
    InRecord,
    KafkaSink,
    Metrics,
    Rejection,
    Sink,
    SinkContext,
    build_sinks,
    load_config,
)
from logward_base.errors import ConfigError, SinkError
from scrubber import Sealer
from tests.logward.stream._helpers import make_scrubber


class Ok:
    """An acknowledged send."""

    def get(self, timeout: float | None = None) -> None:
        done: Future[None] = Future()
        done.set_result(None)
        return done.result()


class Producer:
    """Records the topic of every send; every send is acknowledged."""

    def __init__(self) -> None:
        self.topics: list[str] = []

    def send(self, topic: str, **_: object) -> Ok:
        self.topics.append(topic)
        return Ok()

    def flush(self) -> None:
        pass


class ListSink(Sink):
    """Keeps records; refuses values containing ``bad``; can be switched off."""

    name = "list"

    def __init__(self) -> None:
        self.records: list[CleanRecord] = []
        self.down = False
        self.flushed = 0

    def add(self, records: Sequence[CleanRecord]) -> list[Rejection]:
        if self.down:
            raise SinkError("list sink is down")
        self.records.extend(r for r in records if b"bad" not in (r.value or b""))
        return [Rejection(r, "Refused", "refused") for r in records if b"bad" in (r.value or b"")]

    def flush(self) -> None:
        self.flushed += 1


def clean(offset: int, value: bytes) -> CleanRecord:
    """A clean record from ``raw-0-<offset>``."""
    return CleanRecord(InRecord("raw", 0, offset, None, value), None, value, (), {})


def deliverer(producer: Producer, sinks: Sequence[Sink]) -> Deliverer:
    """An at-least-once Deliverer over ``sinks``."""
    return Deliverer(
        producer,
        "quar",
        Sealer(bytes(32)),
        sinks,
        exactly_once=False,
        metrics=Metrics(),
        scrubber=make_scrubber(),
    )


def test_rejected_record_is_quarantined_not_sent_to_later_sinks():
    """A record a synchronous sink rejects goes to quarantine only, before Kafka sends."""
    producer = Producer()
    toy = ListSink()
    d = deliverer(producer, [KafkaSink(producer, "clean"), toy])
    result = d.deliver([clean(1, b"good"), clean(2, b"bad")])
    assert (1, 1, {"Refused": 1}) == (result.clean, result.quarantined, result.reasons)
    assert [b"good"] == [r.value for r in toy.records]
    assert 1 == toy.flushed
    assert ["clean", "quar"] == producer.topics


def test_unavailable_sink_fails_the_batch_before_anything_reaches_kafka():
    """A sink raising SinkError fails the whole batch closed: no Kafka send at all."""
    producer = Producer()
    toy = ListSink()
    toy.down = True
    d = deliverer(producer, [KafkaSink(producer, "clean"), toy])
    with pytest.raises(SinkError, match="list sink is down"):
        d.deliver([clean(1, b"good")])
    assert [] == producer.topics


def test_retried_batch_skips_acknowledged_kafka_sends_until_settled():
    """A retry does not send an acknowledged record twice; settling forgets it."""
    producer = Producer()
    d = deliverer(producer, [KafkaSink(producer, "clean")])
    batch = [clean(1, b"good")]
    d.deliver(batch)
    d.deliver(batch)
    assert ["clean"] == producer.topics
    assert frozenset({"raw-0-1"}) == d.unsettled
    d.settle(batch)
    assert frozenset() == d.unsettled


def test_registry_builds_configured_sinks_in_order():
    """build_sinks calls every factory of the registry; unconfigured sinks are left out."""
    cfg = load_config(
        {
            "bootstrap_servers": "127.0.0.1:1",
            "input_topic": ["raw"],
            "output_topic": "o",
            "quarantine_topic": "q",
        },
        env={},
    )
    ctx = SinkContext(Producer())
    assert ["kafka"] == [s.name for s in build_sinks(cfg, ctx)]
    extra = {**SINKS, "list": lambda _cfg, _ctx: ListSink()}
    assert ["kafka", "list"] == [s.name for s in build_sinks(cfg, ctx, extra)]


def test_kafka_sink_delivery_mode_must_match_the_deliverer():
    """A Kafka sink built for exactly-once is refused by an at-least-once Deliverer."""
    producer = Producer()
    with pytest.raises(ConfigError, match="sink kafka: exactly_once must match"):
        deliverer(producer, [KafkaSink(producer, "clean", exactly_once=True)])
