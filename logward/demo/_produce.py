"""``logward demo --kafka-bootstrap``: the demo as a producer for a real deployment.

Publishes what the embedded demo writes to files: raw application log records
(with PII, as an application without the logging filter would send them: the
``logward stream`` sidecar is what scrubs them) to the raw topic, and admin-panel
and API access events (normal traffic plus the scripted attacks, on a clock that
runs ``speedup`` times faster than real time) to the access topic that
``logward monitor run --kafka-bootstrap`` consumes. Records are keyed by the
access event's source address, so per-address state stays on one partition.
"""

from __future__ import annotations

import heapq
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from logward.demo._data import ADDRESSES, CARDS, CUSTOMERS, IBANS, PHONES, email_of
from logward.demo._traffic import Access, access_line, attack_traffic, normal_traffic

__all__ = ["ProduceOptions", "produce", "raw_app_record"]


@dataclass(frozen=True)
class ProduceOptions:
    """Where and how fast the producer publishes."""

    bootstrap: str
    raw_topic: str = "logs.raw"
    access_topic: str = "access.logs"
    duration: float | None = None
    speedup: float = 60.0
    app_records_per_s: float = 20.0


def raw_app_record(rng: random.Random, n: int, now: float) -> dict[str, Any]:
    """One unscrubbed application log record (ECS-ish JSON) carrying PII."""
    customer = rng.choice(CUSTOMERS)
    kind = n % 4
    base: dict[str, Any] = {
        "@timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "log.level": "info",
        "service.name": "shop",
    }
    if kind == 0:
        base["message"] = f"order ord-{n} placed by {customer} <{email_of(customer)}>"
    elif kind == 1:
        base.update(message="shipping label printed", ship_to=rng.choice(ADDRESSES))
        base["phone"] = rng.choice(PHONES)
    elif kind == 2:
        base.update({"log.level": "error", "message": "payment failed"})
        base["error.message"] = f"card {rng.choice(CARDS)} declined for {customer}"
    else:
        base["message"] = f"refund to {rng.choice(IBANS)} requested by {customer}"
    return base


_SPAN = 50 * 60.0  # simulated seconds of scripted traffic


def produce(
    options: ProduceOptions,
    stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.time,
) -> dict[str, int]:
    """Publish until ``duration`` passes or ``stop()`` is true.

    The scripted hour (normal traffic and attacks) is replayed ``speedup`` times
    faster than real time, ending at the present, so no event lies in the
    future; after it, normal traffic continues in real time.

    Returns:
        How many records went to each topic.
    """
    from kafka import KafkaProducer  # optional dependency: the 'kafka'/'stream' extra

    producer = KafkaProducer(bootstrap_servers=options.bootstrap, linger_ms=20, acks="all")
    rng = random.Random(5)
    started = clock()
    sim_start = started - _SPAN
    script: Iterator[Access] = heapq.merge(
        normal_traffic(rng, sim_start, started, per_minute=30),
        attack_traffic(rng, sim_start),
        key=lambda a: a.ts,
    )
    sent = {options.raw_topic: 0, options.access_topic: 0}
    pending: Access | None = next(script, None)
    live_until = started
    next_app = started

    def publish(event: Access) -> None:
        producer.send(options.access_topic, access_line(event).encode(), key=event.ip.encode())
        sent[options.access_topic] += 1

    try:
        while not stop():
            now = clock()
            if options.duration is not None and now - started >= options.duration:
                break
            horizon = min(now, sim_start + (now - started) * options.speedup)
            while pending is not None and pending.ts <= horizon:
                publish(pending)
                pending = next(script, None)
            if pending is None and now > live_until:
                for event in normal_traffic(rng, live_until, now, per_minute=30):
                    publish(event)
                live_until = now
            while next_app <= now:
                record = raw_app_record(rng, sent[options.raw_topic], now)
                producer.send(options.raw_topic, json.dumps(record).encode())
                sent[options.raw_topic] += 1
                next_app += 1.0 / options.app_records_per_s
            time.sleep(0.05)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)
    return sent
