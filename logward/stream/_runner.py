"""The sidecar's main loop: poll a batch, scrub it, deliver it, commit, repeat.

Guarantees:
- offsets are committed only after every sink acknowledged the batch
  (at-least-once), or inside the output transaction (``--exactly-once``);
- while a sink is unavailable the consumer's partitions are paused and the
  same batch is retried with backoff (``poll`` keeps the group membership
  alive), so memory stays bounded by one batch;
- acknowledged offsets not yet committed are committed when partitions are
  revoked during a rebalance;
- ``request_stop`` (SIGTERM/SIGINT) finishes the current batch, flushes,
  commits and closes; if a sink stays down during shutdown the batch is not
  committed and is redelivered after the restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from logward.stream._delivery import Deliverer, DeliveryResult
from logward.stream._kafka import to_in_record
from logward.stream._metrics import Health, Metrics
from logward.stream._processor import Processor
from logward.stream._record import CleanRecord, InRecord, Outcome
from logward_base.errors import SinkError

if TYPE_CHECKING:
    from logward.stream._workers import ScrubPool

__all__ = ["StreamRunner"]

log = logging.getLogger("logward.stream")


@dataclass(slots=True)
class _Flight:
    """A batch handed to the sinks and not yet acknowledged."""

    outcomes: list[Outcome]
    next_offsets: dict[Any, int]
    counts: Counter[str]
    size: int
    started: float
    result: DeliveryResult = field(default_factory=DeliveryResult)
    failed: bool = False


class _Listener:
    """Commit acknowledged offsets when partitions are revoked (rebalance)."""

    def __init__(self, runner: StreamRunner) -> None:
        self.runner = runner

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.runner.complete_in_flight(retry=False)
        self.runner.commit_acked(revoked=set(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("assigned %s partitions", len(assigned))

    def on_partitions_lost(self, lost: Any) -> None:
        self.runner.forget(set(lost))


def _tp(rec: InRecord) -> Any:
    from kafka import TopicPartition  # optional dependency: the 'kafka'/'stream' extra

    return TopicPartition(rec.topic, rec.partition)


def make_listener(runner: StreamRunner) -> Any:
    """A ``kafka.ConsumerRebalanceListener`` bound to ``runner``."""
    from kafka import ConsumerRebalanceListener  # optional dependency: the 'kafka'/'stream' extra

    class Listener(_Listener, ConsumerRebalanceListener):  # type: ignore[misc]
        pass

    return Listener(runner)


class StreamRunner:
    """Run the consume → scrub → deliver → commit loop until asked to stop.

    Args:
        consumer: a subscribed kafka-python consumer (manual commits).
        processor: turns raw records into outcomes.
        deliverer: writes outcomes to the sinks.
        batch_size: records per batch at most.
        linger_ms: how long to wait for a batch to fill.
        exactly_once: offsets go into the output transaction.
        metrics, health: operations state.
        on_batch: called with (clean, quarantined) counts per delivered batch.
        pool: scrub in worker processes; at-least-once then keeps up to
            ``workers + 1`` polled batches scrubbing while earlier ones are sent.
    """

    def __init__(
        self,
        consumer: Any,
        processor: Processor,
        deliverer: Deliverer,
        *,
        batch_size: int = 500,
        linger_ms: int = 50,
        exactly_once: bool = False,
        metrics: Metrics | None = None,
        health: Health | None = None,
        on_batch: Callable[[Counter[str]], None] | None = None,
        max_backoff: float = 2.0,
        pool: ScrubPool | None = None,
    ) -> None:
        self.consumer = consumer
        self.processor = processor
        self.deliverer = deliverer
        self.batch_size = batch_size
        self.linger_ms = linger_ms
        self.exactly_once = exactly_once
        self.metrics = metrics or deliverer.metrics
        self.health = health or Health()
        self.on_batch = on_batch
        self.max_backoff = max_backoff
        self._stop = threading.Event()
        self._acked: dict[Any, int] = {}  # tp -> next offset, acknowledged not committed
        self._positions: dict[Any, int] = {}
        self._in_flight: _Flight | None = None
        self.batches = 0
        self.pool = pool
        # Batches scrubbing ahead of the one being sent: one per worker, plus one queued.
        self._depth = pool.workers if pool is not None else 0
        self._scrubbing: deque[tuple[list[InRecord], Future[list[Outcome]], float]] = deque()

    def request_stop(self) -> None:
        """Ask the loop to finish the current batch and stop (signal-safe)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once a stop was requested."""
        return self._stop.is_set()

    def forget(self, partitions: set[Any]) -> None:
        """Drop state of partitions lost without a clean revoke."""
        for tp in partitions:
            self._acked.pop(tp, None)
            self._positions.pop(tp, None)

    def commit_acked(self, revoked: set[Any] | None = None) -> None:
        """Commit acknowledged offsets (all, or those of ``revoked`` partitions)."""
        if self.exactly_once:
            if revoked:
                self.forget(revoked)
            return
        from kafka import OffsetAndMetadata  # optional dependency: the 'kafka'/'stream' extra

        chosen = {tp: off for tp, off in self._acked.items() if revoked is None or tp in revoked}
        if chosen:
            try:
                self.consumer.commit(
                    {tp: OffsetAndMetadata(off, "", -1) for tp, off in chosen.items()}
                )
                for tp in chosen:
                    self._acked.pop(tp, None)
            except Exception as exc:
                log.warning(
                    "offset commit failed (%s); records will be redelivered", type(exc).__name__
                )
        if revoked:
            self.forget(revoked)

    def _poll_batch(self) -> list[InRecord]:
        batch: list[InRecord] = []
        deadline = time.monotonic() + self.linger_ms / 1000.0
        wait_ms = 200
        while len(batch) < self.batch_size and not self._stop.is_set():
            polled = self.consumer.poll(
                timeout_ms=wait_ms, max_records=self.batch_size - len(batch)
            )
            for msgs in polled.values():
                batch.extend(to_in_record(m) for m in msgs)
            if not batch:
                return batch
            wait_ms = int((deadline - time.monotonic()) * 1000)
            if wait_ms <= 0:
                break
        return batch

    def _offsets(self, batch: list[InRecord]) -> dict[Any, int]:
        from kafka import TopicPartition  # optional dependency: the 'kafka'/'stream' extra

        out: dict[Any, int] = {}
        for rec in batch:
            tp = TopicPartition(rec.topic, rec.partition)
            out[tp] = max(out.get(tp, 0), rec.offset + 1)
        return out

    def _pause_and_wait(self, delay: float, batch_offsets: dict[Any, int]) -> None:
        """Keep the group alive without fetching while a sink is down."""
        assigned = self.consumer.assignment()
        self.consumer.pause(*assigned)
        polled = self.consumer.poll(timeout_ms=int(delay * 1000))
        for tp, msgs in polled.items():
            # newly assigned partitions are not paused yet: put their records back
            self.consumer.seek(tp, min(m.offset for m in msgs))
            self.consumer.pause(tp)

    def _deliver(self, outcomes: list[Any], next_offsets: dict[Any, int]) -> DeliveryResult | None:
        """Deliver and wait, retrying with backoff; ``None`` if we gave up on a stop request."""
        from kafka import OffsetAndMetadata  # optional dependency: the 'kafka'/'stream' extra

        delay = 0.1
        paused = False
        while True:
            txn_offsets = None
            metadata = None
            if self.exactly_once:
                owned = self.consumer.assignment()
                # partitions revoked while we waited now belong to another instance
                outcomes = [o for o in outcomes if _tp(o.source) in owned]
                txn_offsets = {
                    tp: OffsetAndMetadata(o, "", -1)
                    for tp, o in next_offsets.items()
                    if tp in owned
                }
                metadata = self.consumer.group_metadata()
            try:
                result = self.deliverer.deliver(outcomes, txn_offsets, metadata)
                break
            except SinkError as exc:
                self.health.set("backpressure", sinks_ok=False)
                self.metrics.backpressure.inc()
                if self._stop.is_set() and delay >= self.max_backoff:
                    log.error("stopping while a sink is down (%s): batch not committed", exc)
                    return None
                log.warning("sink unavailable (%s); pausing fetch for %.1fs", exc, delay)
                self._pause_and_wait(delay, next_offsets)
                paused = True
                delay = min(delay * 2, self.max_backoff)
        if paused:
            self.consumer.resume(*self.consumer.assignment())
        self.health.set("running", sinks_ok=True)
        return result

    def _ack(self, flight: _Flight, result: DeliveryResult) -> None:
        """A batch is acknowledged by every sink: count it and commit its offsets."""
        self.metrics.records_out.labels(sink="total").inc(result.clean)
        for reason, n in result.reasons.items():
            self.metrics.quarantined.labels(reason=reason).inc(n)
        self.metrics.add_redactions(flight.counts)
        owned = self.consumer.assignment()
        for tp, off in flight.next_offsets.items():
            self._positions[tp] = off
            if not self.exactly_once and tp in owned:
                self._acked[tp] = off
        self.commit_acked()
        self.deliverer.settle(flight.outcomes)
        self.metrics.batch_seconds.observe(time.perf_counter() - flight.started)
        self._update_lag()
        self.batches += 1
        if self.on_batch is not None:
            counts = Counter(flight.counts)
            counts["_records"] = flight.size
            counts["_quarantined"] = result.quarantined
            self.on_batch(counts)

    def complete_in_flight(self, *, retry: bool = True) -> None:
        """Wait for the batch in flight; retry it (with backoff) if a send failed.

        With ``retry=False`` (inside a rebalance callback, where polling is not
        allowed) a failed batch stays in flight and is retried after ``poll``.
        """
        flight = self._in_flight
        if flight is None:
            return
        if not flight.failed:
            try:
                self.deliverer.finish(flight.result)
                self._in_flight = None
                self._ack(flight, flight.result)
                return
            except SinkError as exc:
                log.warning("kafka did not acknowledge a batch (%s); retrying it", exc)
                flight.failed = True
        if not retry:
            return
        self._in_flight = None
        result = self._deliver(flight.outcomes, flight.next_offsets)
        if result is not None:
            self._ack(flight, result)

    def _update_lag(self) -> None:
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            pos = self._positions.get(tp)
            if high is not None and pos is not None:
                self.metrics.lag.labels(topic=tp.topic, partition=str(tp.partition)).set(
                    max(high - pos, 0)
                )

    def run_once(self) -> int:
        """Process one batch; return the number of records consumed.

        At-least-once keeps one batch in flight: batch N is handed to the
        producer, then batch N+1 is polled and scrubbed while N is transmitted;
        N is committed only once Kafka acknowledged it. With worker processes,
        up to ``workers + 1`` batches are scrubbed ahead, in order.
        """
        if self.pool is not None and not self.exactly_once:
            return self._run_once_pooled()
        batch = self._poll_batch()
        if not batch:
            self._idle()
            return 0
        started = time.perf_counter()
        self._count_in(batch)
        if self.pool is not None:
            outcomes = self.pool.result(self.pool.submit(batch), batch)
        else:
            outcomes = self.processor.process(batch)
        self._dispatch(batch, outcomes, started)
        return len(batch)

    def _run_once_pooled(self) -> int:
        assert self.pool is not None
        polled = 0
        if len(self._scrubbing) <= self._depth and not self._stop.is_set():
            batch = self._poll_batch()
            if batch:
                self._count_in(batch)
                self._scrubbing.append((batch, self.pool.submit(batch), time.perf_counter()))
                polled = len(batch)
        if not self._scrubbing:
            self._idle()
            return 0
        full = len(self._scrubbing) > self._depth
        if full or polled == 0 or self._scrubbing[0][1].done():
            self._dispatch_oldest()
        return polled

    def _dispatch_oldest(self) -> None:
        assert self.pool is not None
        batch, future, started = self._scrubbing.popleft()
        self._dispatch(batch, self.pool.result(future, batch), started)

    def _idle(self) -> None:
        self.complete_in_flight()
        self._update_lag()
        self.health.set("running")

    def _count_in(self, batch: list[InRecord]) -> None:
        for topic, n in Counter(rec.topic for rec in batch).items():
            self.metrics.records_in.labels(topic=topic).inc(n)

    def _dispatch(self, batch: list[InRecord], outcomes: list[Outcome], started: float) -> None:
        """Hand scrubbed outcomes to the sinks (after the batch before them is acked)."""
        counts: Counter[str] = Counter()
        for o in outcomes:
            if isinstance(o, CleanRecord):
                counts.update(o.counts)
        flight = _Flight(outcomes, self._offsets(batch), counts, len(batch), started)
        self.complete_in_flight()
        if self.exactly_once:
            result = self._deliver(outcomes, flight.next_offsets)
            if result is not None:
                self._ack(flight, result)
            return
        try:
            flight.result = self.deliverer.start(outcomes)
        except SinkError:
            result = self._deliver(outcomes, flight.next_offsets)
            if result is not None:
                self._ack(flight, result)
            return
        self._in_flight = flight

    def run(self) -> int:
        """Loop until ``request_stop``; then flush, commit and return 0."""
        self.health.set("running")
        log.info("logward stream running")
        try:
            while not self._stop.is_set():
                self.run_once()
        finally:
            self.health.set("stopping")
            while self._scrubbing:
                self._dispatch_oldest()
            self.complete_in_flight()
            self.commit_acked()
        log.info("logward stream stopped after %s batches", self.batches)
        return 0
