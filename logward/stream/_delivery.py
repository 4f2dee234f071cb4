"""Deliver one processed batch: the sinks first, then the quarantine topic.

Every clean-record destination is a ``Sink`` (``logward.stream._sink``; the
registry is ``SINKS``). Order matters for conservation: records a sink refuses
in ``check`` (too large for the producer) or a synchronous sink rejects in
``add`` (an Elasticsearch mapping error) are moved to the quarantine *before*
anything is sent to Kafka, so each input offset ends in exactly one of clean
output or quarantine.

At-least-once: send, flush and check every acknowledgement; the caller commits
offsets afterwards. Exactly-once: the Kafka sends (clean, quarantine and the
consumer offsets) go in one Kafka transaction; on any failure it is aborted and
the caller retries the same batch.

Every quarantine record is sealed before anything is sent to Kafka, within the
producer's size limit (a record too large to seal whole is sealed truncated,
counted and logged as an alarm), so one poison record cannot fail a batch
forever. Within one process a retry never writes a record twice: Kafka sends
that were acknowledged (or committed in a transaction) are remembered until
the caller settles the batch, and skipped when the batch is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from logward.stream._kafka_sink import Acks, KafkaSink, payload_limit
from logward.stream._quarantine import QuarantineMessage, seal_record
from logward.stream._record import CleanRecord, Outcome, QuarantinedRecord
from logward.stream._sink import Sink
from logward_base.errors import ConfigError, SinkError
from scrubber import Scrubber, Sealer

if TYPE_CHECKING:
    from logward.stream._metrics import Metrics

__all__ = ["Deliverer", "DeliveryResult"]

log = logging.getLogger("logward.stream")


@dataclass(slots=True)
class DeliveryResult:
    """How a batch ended: counts of clean and quarantined records."""

    clean: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class Deliverer:
    """Write a batch's outcomes to the sinks and the quarantine topic.

    Args:
        producer: kafka-python producer (transactional with ``exactly_once``);
            it carries the quarantine topic.
        quarantine_topic: topic for sealed records.
        sealer: the AES-256-GCM sealer.
        sinks: where clean records go (``build_sinks``); may be empty.
        exactly_once: wrap each batch in a transaction with its offsets.
        metrics: counters to update.
        scrubber: scrubs error messages before they leave the process.
        max_message_bytes: the producer's request limit; quarantine records
            that do not fit sealed whole are sealed truncated.

    Raises:
        ConfigError: a Kafka sink's ``exactly_once`` differs from this one's.
    """

    def __init__(
        self,
        producer: Any,
        quarantine_topic: str,
        sealer: Sealer,
        sinks: Sequence[Sink],
        *,
        exactly_once: bool,
        metrics: Metrics,
        scrubber: Scrubber,
        max_message_bytes: int | None = None,
    ) -> None:
        self.producer = producer
        self.quarantine_topic = quarantine_topic
        self.sealer = sealer
        self.sinks = list(sinks)
        self.exactly_once = exactly_once
        self.metrics = metrics
        self.scrubber = scrubber
        self.max_message_bytes = payload_limit(max_message_bytes)
        for sink in self.sinks:
            if isinstance(sink, KafkaSink) and sink.exactly_once != exactly_once:
                # a mismatch would count unacknowledged sends as delivered (or the reverse)
                raise ConfigError(f"sink {sink.name}: exactly_once must match the Deliverer's")
        self._direct = [s for s in self.sinks if not s.transactional]
        self._kafka = [s for s in self.sinks if s.transactional]
        self._quarantine = Acks()  # quarantine sends acknowledged, not settled

    @property
    def unsettled(self) -> frozenset[str]:
        """Source ids whose Kafka sends are remembered until :meth:`settle`."""
        ids = set(self._quarantine.sent)
        for sink in self.sinks:
            if isinstance(sink, KafkaSink):
                ids |= sink.acks.sent
        return frozenset(ids)

    def settle(self, outcomes: Sequence[Outcome]) -> None:
        """Forget the sends of a batch whose offsets are committed (bounded memory)."""
        ids = {o.source.source_id for o in outcomes}
        for sink in self.sinks:
            sink.settle(ids)
        self._quarantine.sent.difference_update(ids)

    def deliver(
        self,
        outcomes: Sequence[Outcome],
        offsets: Mapping[Any, Any] | None = None,
        group_metadata: Any = None,
    ) -> DeliveryResult:
        """Write the outcomes and wait for every acknowledgement.

        With exactly-once, ``offsets`` are committed in the same transaction.

        Raises:
            SinkError: a sink is unavailable; nothing of this batch counts as
                delivered (the caller retries it and must not commit offsets).
        """
        result = self.start(outcomes, offsets, group_metadata)
        if not self.exactly_once:
            self.finish(result)
        return result

    def finish(self, result: DeliveryResult) -> None:
        """Wait until every sink made durable what :meth:`start` wrote.

        Raises:
            SinkError: a send failed; the batch must be retried, not committed.
        """
        failed = self._harvest()
        if failed is not None:
            self.metrics.sink_up.labels(sink="kafka").set(0)
            raise failed
        self.metrics.sink_up.labels(sink="kafka").set(1)

    def start(
        self,
        outcomes: Sequence[Outcome],
        offsets: Mapping[Any, Any] | None = None,
        group_metadata: Any = None,
    ) -> DeliveryResult:
        """Write to the synchronous sinks and hand the Kafka records to the producer.

        At-least-once: returns before Kafka acknowledged (call :meth:`finish`
        before committing). Exactly-once: the transaction is committed here.

        Raises:
            SinkError: a sink is unavailable.
        """
        clean = [o for o in outcomes if isinstance(o, CleanRecord)]
        quarantined = [o for o in outcomes if isinstance(o, QuarantinedRecord)]
        clean = self._checked(clean, quarantined)
        for sink in self._direct:
            if not clean:
                break
            rejected = sink.add(clean)
            sink.flush()  # durable before anything goes to Kafka
            if rejected:
                bad = {id(r.record) for r in rejected}
                clean = [c for c in clean if id(c) not in bad]
                quarantined.extend(
                    QuarantinedRecord(r.record.source, r.error_class, r.message) for r in rejected
                )
            self.metrics.sink_up.labels(sink=sink.name).set(1)
        result = DeliveryResult(clean=len(clean), quarantined=len(quarantined))
        sealed = self._seal_all(quarantined)
        if self.exactly_once:
            self._send_transaction(clean, sealed, offsets or {}, group_metadata)
        else:
            try:
                self._sends(clean, sealed)
            except SinkError:
                self._harvest()
                raise
            except Exception as exc:
                self._harvest()
                raise SinkError(f"kafka produce failed: {type(exc).__name__}") from None
        for q in quarantined:
            result.reasons[q.error_class] = result.reasons.get(q.error_class, 0) + 1
            log.warning(
                "quarantined %s-%s-%s: %s",
                q.source.topic,
                q.source.partition,
                q.source.offset,
                q.error_class,
            )
        return result

    def _harvest(self) -> SinkError | None:
        """Wait for every Kafka send; remember the acknowledged ones; the first failure."""
        failed: SinkError | None = None
        for sink in self._kafka:
            try:
                sink.flush()
            except SinkError as exc:
                failed = failed or exc
        error = self._quarantine.harvest(self.producer)
        if failed is None and error is not None:
            failed = SinkError(f"kafka produce failed: {type(error).__name__}")
        return failed

    def _checked(
        self, clean: list[CleanRecord], quarantined: list[QuarantinedRecord]
    ) -> list[CleanRecord]:
        """Quarantine clean records a sink refuses up front (scrubbing can grow a value)."""
        kept = []
        for c in clean:
            refused = next((r for s in self.sinks if (r := s.check(c)) is not None), None)
            if refused is None:
                kept.append(c)
            else:
                quarantined.append(
                    QuarantinedRecord(c.source, refused.error_class, refused.message)
                )
        return kept

    def _seal_all(
        self, quarantined: Sequence[QuarantinedRecord]
    ) -> list[tuple[QuarantinedRecord, QuarantineMessage]]:
        """Seal every quarantine record before anything is sent (a poison record fails nothing)."""
        out: list[tuple[QuarantinedRecord, QuarantineMessage]] = []
        for q in quarantined:
            if q.source.source_id in self._quarantine.sent:
                continue
            msg = seal_record(self.sealer, q, self.max_message_bytes)
            if msg.truncated:
                self.metrics.quarantine_truncated.inc()
                log.error(
                    "ALARM: record %s (%s bytes) is too large to quarantine whole: "
                    "sealed its size, SHA-256 and first bytes (%s)",
                    q.source.source_id,
                    len(q.source.value or b""),
                    q.error_class,
                )
            out.append((q, msg))
        return out

    def _sends(
        self,
        clean: Sequence[CleanRecord],
        sealed: Sequence[tuple[QuarantinedRecord, QuarantineMessage]],
    ) -> None:
        """Hand records not yet acknowledged to the Kafka sinks and the quarantine topic."""
        self._quarantine.pending.clear()
        for sink in self._kafka:
            if sink.add(clean):
                raise SinkError(
                    f"sink {sink.name} rejected records after the quarantine was sealed"
                )
        for q, msg in sealed:
            future = self.producer.send(
                self.quarantine_topic,
                value=msg.value,
                key=msg.key,
                headers=list(msg.headers),
                timestamp_ms=msg.timestamp_ms,
            )
            self._quarantine.pending.append((q.source.source_id, future))

    def _send_transaction(
        self,
        clean: Sequence[CleanRecord],
        sealed: Sequence[tuple[QuarantinedRecord, QuarantineMessage]],
        offsets: Mapping[Any, Any],
        group_metadata: Any,
    ) -> None:
        # optional dependency: the 'kafka'/'stream' extra
        from kafka.errors import ProducerFencedError

        self.producer.begin_transaction()
        try:
            self._sends(clean, sealed)
            if offsets:
                self.producer.send_offsets_to_transaction(dict(offsets), group_metadata)
            self.producer.commit_transaction()
        except ProducerFencedError:
            raise
        except Exception as exc:
            self.metrics.sink_up.labels(sink="kafka").set(0)
            try:
                self.producer.abort_transaction()
            except Exception as abort_exc:
                log.error("transaction abort failed: %s", type(abort_exc).__name__)
            raise SinkError(f"kafka transaction failed: {type(exc).__name__}") from None
        # committed: these records are delivered, whatever a future says afterwards
        for sink in self._kafka:
            sink.flush()
        self._quarantine.committed()
        self.metrics.sink_up.labels(sink="kafka").set(1)
