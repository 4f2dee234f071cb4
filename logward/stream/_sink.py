"""The ``Sink`` protocol: where the sidecar's clean records go.

A sink takes a batch with :meth:`Sink.add` and makes it durable with
:meth:`Sink.flush`, as quix-streams' ``BaseSink`` does. The ``Deliverer``
drives every sink through this protocol and keeps the guarantees in one place:

- **Idempotent ids.** Each record's ``source.source_id``
  (``topic-partition-offset``) is its id in every sink, so a retried batch
  never writes a record twice (Elasticsearch answers 409, which is success;
  the Kafka sink remembers its acknowledged sends until :meth:`Sink.settle`).
- **Per-item rejections.** A record a sink refuses for good (too large, a
  mapping error) is returned as a :class:`Rejection` and quarantined, sealed,
  instead of failing the batch forever. :meth:`Sink.check` refuses before any
  sink writes anything; :meth:`Sink.add` may refuse while writing.
- **Fail closed.** A sink that is unavailable raises ``SinkError`` (with no
  record content in its message); nothing of the batch counts as delivered, the
  caller retries it and commits no offsets.

Order: sinks that are not ``transactional`` run first, in registry order:
``add`` then ``flush`` each, before anything is sent to Kafka (a record one of
them rejects reaches no later sink).
``transactional`` sinks send through the Kafka producer in ``add`` (inside the
batch's transaction with ``--exactly-once``) and must refuse only in ``check``.
A record a later synchronous sink rejects stays in the earlier ones (each is
written idempotently); keep one rejecting synchronous sink per deployment.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from logward.stream._record import CleanRecord

__all__ = ["Rejection", "Sink", "SinkContext"]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record a sink refused for good; it is quarantined instead.

    Attributes:
        record: the refused record.
        error_class: short class for metrics and the quarantine header
            (never record content).
        message: why, without record content.
    """

    record: CleanRecord
    error_class: str
    message: str


@dataclass(frozen=True, slots=True)
class SinkContext:
    """What a sink factory may need besides the settings.

    Attributes:
        producer: the sidecar's kafka-python producer (shared with the quarantine).
        max_message_bytes: the producer's request limit, or ``None``.
    """

    producer: Any
    max_message_bytes: int | None = None


class Sink(Protocol):
    """A destination for clean records. Subclass it to inherit the defaults.

    Attributes:
        name: the ``sink`` label of the ``logward_stream_sink_up`` metric.
        transactional: ``add`` sends through the Kafka producer (inside the
            transaction with ``--exactly-once``), after the quarantine is sealed.
        documents: the sink reads ``CleanRecord.document`` (the processor
            then builds the ECS document of each record).
    """

    name: str
    transactional: bool = False
    documents: bool = False

    def check(self, record: CleanRecord) -> Rejection | None:
        """Refuse ``record`` before any sink writes anything (default: accept)."""
        return None

    def add(self, records: Sequence[CleanRecord]) -> list[Rejection]:
        """Write (or start writing) ``records``; return the ones refused for good.

        Raises:
            SinkError: the sink is unavailable; the batch is retried.
        """
        ...

    def flush(self) -> None:
        """Wait until every record added is durable.

        Raises:
            SinkError: a write failed; the batch is retried, not committed.
        """
        ...

    def settle(self, source_ids: Collection[str]) -> None:
        """Forget records whose offsets are committed (default: nothing to forget)."""
        return

    def close(self) -> None:
        """Release clients the sink owns (default: none)."""
        return
