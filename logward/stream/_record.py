"""The values flowing through the sidecar: raw input, clean output, quarantined."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CleanRecord", "InRecord", "Outcome", "QuarantinedRecord"]

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class InRecord:
    """One record as consumed from Kafka (nothing about it is trusted yet)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp_ms: int | None = None

    @property
    def source_id(self) -> str:
        """``topic-partition-offset``: the Elasticsearch ``_id`` and the dedup key."""
        return f"{self.topic}-{self.partition}-{self.offset}"


@dataclass(frozen=True, slots=True)
class CleanRecord:
    """A scrubbed record, ready for the output topic and Elasticsearch.

    Attributes:
        source: the record it came from.
        key: scrubbed message key.
        value: scrubbed value bytes (JSON or UTF-8 text).
        headers: scrubbed headers plus ``logward-redactions``.
        document: the Elasticsearch document (scrubbed, with ``logward.redactions``).
        counts: redactions per entity type in this record.
    """

    source: InRecord
    key: bytes | None
    value: bytes | None
    headers: Headers
    document: Mapping[str, Any]
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    """A record that could not be parsed, scrubbed or indexed.

    Attributes:
        source: the raw record (sealed before it leaves the process).
        error_class: short class of the failure (``ParseError``, ``ScrubFailed``...).
        message: what went wrong, already scrubbed, never quoting the data.
    """

    source: InRecord
    error_class: str
    message: str


Outcome = CleanRecord | QuarantinedRecord
