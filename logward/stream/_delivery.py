"""Deliver one processed batch: Elasticsearch first, then the Kafka topics.

Order matters for conservation: a document Elasticsearch rejects (mapping
error) is moved to the quarantine *before* anything is sent to Kafka, so each
input offset ends in exactly one of clean output or quarantine.

At-least-once: send, flush and check every future; the caller commits offsets
afterwards. Exactly-once: everything (clean, quarantine and the consumer
offsets) goes in one Kafka transaction; on any failure it is aborted and the
caller retries the same batch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from logward.errors import SinkError
from logward.stream._es import ElasticsearchSink
from logward.stream._metrics import Metrics
from logward.stream._quarantine import seal_record
from logward.stream._record import CleanRecord, Outcome, QuarantinedRecord
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
    futures: list[Any] = field(default_factory=list)


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
    ) -> None:
        self.producer = producer
        self.output_topic = output_topic
        self.quarantine_topic = quarantine_topic
        self.sealer = sealer
        self.es = es
        self.exactly_once = exactly_once
        self.metrics = metrics
        self.scrubber = scrubber

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
        try:
            self.producer.flush()
            for f in result.futures:
                f.get(timeout=30)
        except Exception as exc:
            self.metrics.sink_up.labels(sink="kafka").set(0)
            raise SinkError(f"kafka produce failed: {type(exc).__name__}") from None
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
        if self.exactly_once:
            self._send_transaction(clean, quarantined, offsets or {}, group_metadata)
        else:
            try:
                result.futures = self._sends(clean, quarantined)
            except Exception as exc:
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

    def _sends(
        self, clean: Sequence[CleanRecord], quarantined: Sequence[QuarantinedRecord]
    ) -> list[Any]:
        futures = []
        if self.output_topic:
            for c in clean:
                futures.append(
                    self.producer.send(
                        self.output_topic,
                        value=c.value,
                        key=c.key,
                        headers=list(c.headers),
                        timestamp_ms=c.source.timestamp_ms,
                    )
                )
        for q in quarantined:
            msg = seal_record(self.sealer, q)
            futures.append(
                self.producer.send(
                    self.quarantine_topic,
                    value=msg.value,
                    key=msg.key,
                    headers=list(msg.headers),
                    timestamp_ms=msg.timestamp_ms,
                )
            )
        return futures

    def _send_transaction(
        self,
        clean: Sequence[CleanRecord],
        quarantined: Sequence[QuarantinedRecord],
        offsets: Mapping[Any, Any],
        group_metadata: Any,
    ) -> None:
        from kafka.errors import ProducerFencedError

        self.producer.begin_transaction()
        try:
            futures = self._sends(clean, quarantined)
            if offsets:
                self.producer.send_offsets_to_transaction(dict(offsets), group_metadata)
            self.producer.commit_transaction()
            for f in futures:
                f.get(timeout=30)
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
