"""Clean records to a Kafka topic, through the sidecar's producer.

Sends are asynchronous: :meth:`KafkaSink.add` hands records to the producer and
:meth:`KafkaSink.flush` waits for the acknowledgements. Acknowledged sends are
remembered (:class:`Acks`) until the batch is settled, so a retried batch skips
them. With ``--exactly-once`` the ``Deliverer`` wraps ``add`` in the batch's
transaction and calls ``flush`` once it committed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from logward.stream._config import StreamConfig
from logward.stream._record import CleanRecord
from logward.stream._sink import Rejection, Sink, SinkContext
from logward_base.errors import SinkError

__all__ = ["FRAMING_BYTES", "Acks", "KafkaSink", "payload_limit"]

FRAMING_BYTES = 16_384  # room for the record batch framing around one message


def payload_limit(max_message_bytes: int | None) -> int | None:
    """The largest record (value, key and headers) the producer will take."""
    return None if max_message_bytes is None else max_message_bytes - FRAMING_BYTES


class Acks:
    """Sends in flight and sends acknowledged but not yet settled, by source id."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, Any]] = []
        self.sent: set[str] = set()

    def harvest(self, producer: Any) -> Exception | None:
        """Wait for the sends; remember the acknowledged ones; return the first failure."""
        failed: Exception | None = None
        try:
            producer.flush()
        except Exception as exc:
            failed = exc
        for source_id, f in self.pending:
            try:
                f.get(timeout=0 if failed is not None else 30)
            except Exception as exc:
                failed = failed or exc
            else:
                self.sent.add(source_id)
        self.pending.clear()
        return failed

    def committed(self) -> None:
        """The transaction committed: these sends are delivered, whatever a future says."""
        self.sent.update(source_id for source_id, _ in self.pending)
        self.pending.clear()


class KafkaSink(Sink):
    """Send clean records to ``topic`` (value, key, headers and timestamp kept).

    Args:
        producer: kafka-python producer (transactional with ``--exactly-once``).
        topic: the output topic.
        max_message_bytes: the producer's request limit; larger records are
            refused in :meth:`check` (scrubbing can grow a value).
        exactly_once: :meth:`flush` runs after the transaction committed.
    """

    name = "kafka"
    transactional = True

    def __init__(
        self,
        producer: Any,
        topic: str,
        *,
        max_message_bytes: int | None = None,
        exactly_once: bool = False,
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.limit = payload_limit(max_message_bytes)
        self.exactly_once = exactly_once
        self.acks = Acks()

    @classmethod
    def from_settings(cls, cfg: StreamConfig, ctx: SinkContext) -> KafkaSink | None:
        """The sink for ``--output-topic``, or ``None`` (Elasticsearch only)."""
        if not cfg.output_topic:
            return None
        return cls(
            ctx.producer,
            cfg.output_topic,
            max_message_bytes=ctx.max_message_bytes,
            exactly_once=cfg.exactly_once,
        )

    def check(self, record: CleanRecord) -> Rejection | None:
        """Refuse a record the producer would refuse (it would fail the batch forever)."""
        if self.limit is None:
            return None
        size = (
            len(record.value or b"")
            + len(record.key or b"")
            + sum(len(n) + len(d) + 8 for n, d in record.headers)
        )
        if size <= self.limit:
            return None
        return Rejection(
            record, "OutputTooLarge", f"scrubbed record of {size} bytes exceeds the producer limit"
        )

    def add(self, records: Sequence[CleanRecord]) -> list[Rejection]:
        """Hand the records not yet acknowledged to the producer.

        Raises:
            SinkError: the producer refused a send.
        """
        self.acks.pending.clear()  # a failed earlier attempt's sends were harvested or aborted
        try:
            for c in records:
                if c.source.source_id in self.acks.sent:
                    continue
                future = self.producer.send(
                    self.topic,
                    value=c.value,
                    key=c.key,
                    headers=list(c.headers),
                    timestamp_ms=c.source.timestamp_ms,
                )
                self.acks.pending.append((c.source.source_id, future))
        except Exception as exc:
            if self.exactly_once:
                raise  # the Deliverer aborts the transaction (a fenced producer stays fatal)
            self.acks.harvest(self.producer)
            raise SinkError(f"kafka produce failed: {type(exc).__name__}") from None
        return []

    def flush(self) -> None:
        """Wait for every send (with exactly-once: record the committed ones).

        Raises:
            SinkError: a send failed; the batch must be retried, not committed.
        """
        if self.exactly_once:
            self.acks.committed()
            return
        failed = self.acks.harvest(self.producer)
        if failed is not None:
            raise SinkError(f"kafka produce failed: {type(failed).__name__}") from None

    def settle(self, source_ids: Collection[str]) -> None:
        """Forget the sends of a batch whose offsets are committed (bounded memory)."""
        self.acks.sent.difference_update(source_ids)
