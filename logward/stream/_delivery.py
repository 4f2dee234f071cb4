"""Deliver one processed batch: Elasticsearch first, then the Kafka topics.

Order matters for conservation: a document Elasticsearch rejects (mapping
error) is moved to the quarantine *before* anything is sent to Kafka, so each
input offset ends in exactly one of clean output or quarantine.

At-least-once: send, flush and check every future; the caller commits offsets
afterwards. Exactly-once: everything (clean, quarantine and the consumer
offsets) goes in one Kafka transaction; on any failure it is aborted and the
caller retries the same batch.

Every quarantine record is sealed before anything is sent, within the
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
from typing import Any

from logward.stream._es import ElasticsearchSink
from logward.stream._metrics import Metrics
from logward.stream._quarantine import QuarantineMessage, seal_record
from logward.stream._record import CleanRecord, Outcome, QuarantinedRecord
from logward_base.errors import SinkError
from scrubber._engine import Scrubber
from scrubber._seal import Sealer

__all__ = ["Deliverer", "DeliveryResult"]

log = logging.getLogger("logward.stream")


@dataclass(slots=True)
class DeliveryResult:
    """How a batch ended: counts of clean and quarantined records."""

    clean: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    futures: list[tuple[tuple[str, str], Any]] = field(default_factory=list)


class Deliverer:
    """Write a batch's outcomes to the sinks.

    Args:
        producer: kafka-python producer (transactional with ``exactly_once``).
        output_topic: topic for clean records, or ``None`` (Elasticsearch only).
        quarantine_topic: topic for sealed records.
        sealer: the AES-256-GCM sealer.
        es: the Elasticsearch sink, or ``None``.
        exactly_once: wrap each batch in a transaction with its offsets.
        metrics: counters to update.
        scrubber: scrubs error messages before they leave the process.
        max_message_bytes: the producer's request limit; quarantine records
            that do not fit sealed whole are sealed truncated.
    """

    def __init__(
        self,
        producer: Any,
        output_topic: str | None,
        quarantine_topic: str,
        sealer: Sealer,
        es: ElasticsearchSink | None,
        *,
        exactly_once: bool,
        metrics: Metrics,
        scrubber: Scrubber,
        max_message_bytes: int | None = None,
    ) -> None:
        self.producer = producer
        self.output_topic = output_topic
        self.quarantine_topic = quarantine_topic
        self.sealer = sealer
        self.es = es
        self.exactly_once = exactly_once
        self.metrics = metrics
        self.scrubber = scrubber
        # leave room for the record batch framing around one message
        self.max_message_bytes = None if max_message_bytes is None else max_message_bytes - 16_384
        self._sent: set[tuple[str, str]] = set()  # (sink, source id) acknowledged, not settled

    def settle(self, outcomes: Sequence[Outcome]) -> None:
        """Forget the sends of a batch whose offsets are committed (bounded memory)."""
        for o in outcomes:
            self._sent.discard(("clean", o.source.source_id))
            self._sent.discard(("quarantine", o.source.source_id))

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
        """Wait until Kafka acknowledged every record sent by :meth:`start`.

        Raises:
            SinkError: a send failed; the batch must be retried, not committed.
        """
        failed = self._harvest(result.futures)
        if failed is not None:
            self.metrics.sink_up.labels(sink="kafka").set(0)
            raise SinkError(f"kafka produce failed: {type(failed).__name__}") from None
        result.futures.clear()
        self.metrics.sink_up.labels(sink="kafka").set(1)

    def start(
        self,
        outcomes: Sequence[Outcome],
        offsets: Mapping[Any, Any] | None = None,
        group_metadata: Any = None,
    ) -> DeliveryResult:
        """Write to Elasticsearch and hand the Kafka records to the producer.

        At-least-once: returns before Kafka acknowledged (call :meth:`finish`
        before committing). Exactly-once: the transaction is committed here.

        Raises:
            SinkError: a sink is unavailable.
        """
        clean = [o for o in outcomes if isinstance(o, CleanRecord)]
        quarantined = [o for o in outcomes if isinstance(o, QuarantinedRecord)]
        clean = self._fits(clean, quarantined)
        if self.es is not None and clean:
            rejected = self.es.write(clean)
            if rejected:
                bad = {id(r) for r, _, _ in rejected}
                clean = [c for c in clean if id(c) not in bad]
                quarantined.extend(
                    QuarantinedRecord(r.source, cls, msg) for r, cls, msg in rejected
                )
            self.metrics.sink_up.labels(sink="elasticsearch").set(1)
        result = DeliveryResult(clean=len(clean), quarantined=len(quarantined))
        sealed = self._seal_all(quarantined)
        if self.exactly_once:
            self._send_transaction(clean, sealed, offsets or {}, group_metadata)
        else:
            futures: list[tuple[tuple[str, str], Any]] = []
            try:
                self._sends(clean, sealed, futures)
            except Exception as exc:
                self._harvest(futures)
                raise SinkError(f"kafka produce failed: {type(exc).__name__}") from None
            result.futures = futures
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

    def _harvest(self, futures: list[tuple[tuple[str, str], Any]]) -> Exception | None:
        """Wait for sends; remember the acknowledged ones; return the first failure."""
        failed: Exception | None = None
        try:
            self.producer.flush()
        except Exception as exc:
            failed = exc
        for sent, f in futures:
            try:
                f.get(timeout=0 if failed is not None else 30)
            except Exception as exc:
                failed = failed or exc
            else:
                self._sent.add(sent)
        return failed

    def _fits(
        self, clean: list[CleanRecord], quarantined: list[QuarantinedRecord]
    ) -> list[CleanRecord]:
        """Quarantine clean records the producer would refuse (scrubbing can grow a value)."""
        if self.max_message_bytes is None or not self.output_topic:
            return clean
        kept = []
        for c in clean:
            size = (
                len(c.value or b"")
                + len(c.key or b"")
                + sum(len(n) + len(d) + 8 for n, d in c.headers)
            )
            if size <= self.max_message_bytes:
                kept.append(c)
            else:
                quarantined.append(
                    QuarantinedRecord(
                        c.source,
                        "OutputTooLarge",
                        f"scrubbed record of {size} bytes exceeds the producer limit",
                    )
                )
        return kept

    def _seal_all(
        self, quarantined: Sequence[QuarantinedRecord]
    ) -> list[tuple[QuarantinedRecord, QuarantineMessage]]:
        """Seal every quarantine record before anything is sent (a poison record fails nothing)."""
        out: list[tuple[QuarantinedRecord, QuarantineMessage]] = []
        for q in quarantined:
            if ("quarantine", q.source.source_id) in self._sent:
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
        futures: list[tuple[tuple[str, str], Any]],
    ) -> None:
        """Hand records not yet acknowledged to the producer, appending their futures."""
        if self.output_topic:
            for c in clean:
                sent = ("clean", c.source.source_id)
                if sent in self._sent:
                    continue
                future = self.producer.send(
                    self.output_topic,
                    value=c.value,
                    key=c.key,
                    headers=list(c.headers),
                    timestamp_ms=c.source.timestamp_ms,
                )
                futures.append((sent, future))
        for q, msg in sealed:
            future = self.producer.send(
                self.quarantine_topic,
                value=msg.value,
                key=msg.key,
                headers=list(msg.headers),
                timestamp_ms=msg.timestamp_ms,
            )
            futures.append((("quarantine", q.source.source_id), future))

    def _send_transaction(
        self,
        clean: Sequence[CleanRecord],
        sealed: Sequence[tuple[QuarantinedRecord, QuarantineMessage]],
        offsets: Mapping[Any, Any],
        group_metadata: Any,
    ) -> None:
        from kafka.errors import ProducerFencedError

        self.producer.begin_transaction()
        futures: list[tuple[tuple[str, str], Any]] = []
        try:
            self._sends(clean, sealed, futures)
            if offsets:
                self.producer.send_offsets_to_transaction(dict(offsets), group_metadata)
            self.producer.commit_transaction()
            # committed: these records are delivered, whatever a future says afterwards
            self._sent.update(sent for sent, _ in futures)
        except ProducerFencedError:
            raise
        except Exception as exc:
            self.metrics.sink_up.labels(sink="kafka").set(0)
            try:
                self.producer.abort_transaction()
            except Exception as abort_exc:
                log.error("transaction abort failed: %s", type(abort_exc).__name__)
            raise SinkError(f"kafka transaction failed: {type(exc).__name__}") from None
        self.metrics.sink_up.labels(sink="kafka").set(1)
