"""Seal records that cannot be scrubbed into quarantine messages, and open them again.

A quarantine message is::

    key     = b"<topic>-<partition>-<offset>" of the source record (no data)
    value   = Sealer.seal(zlib(len(meta) || meta JSON || raw value bytes))
              meta = raw key, headers (base64) and timestamp; the value stays raw
              and is compressed before sealing, so a record close to the
              broker's size limit still fits in the quarantine
    headers = logward-key-id, logward-error-class, logward-error (scrubbed),
              logward-source-topic, logward-source-partition, logward-source-offset

The associated data binds the key id, error class and source coordinates to
the sealed payload: editing any of those headers makes the payload fail to open.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from logward.errors import KeyMaterialError, ParseError
from logward.stream._record import InRecord, QuarantinedRecord
from scrubber._seal import Sealer

__all__ = ["QuarantineMessage", "SealedEntry", "open_entry", "read_entry", "seal_record"]

H_KEY_ID = "logward-key-id"
H_CLASS = "logward-error-class"
H_ERROR = "logward-error"
H_TOPIC = "logward-source-topic"
H_PARTITION = "logward-source-partition"
H_OFFSET = "logward-source-offset"


@dataclass(frozen=True, slots=True)
class QuarantineMessage:
    """What to send to the quarantine topic for one record."""

    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int | None


@dataclass(frozen=True, slots=True)
class SealedEntry:
    """A quarantine message's metadata, readable without the key."""

    key_id: str
    error_class: str
    error: str
    topic: str
    partition: int
    offset: int
    sealed: bytes
    timestamp_ms: int | None


def _aad(key_id: str, error_class: str, topic: str, partition: int, offset: int) -> bytes:
    return json.dumps(
        [key_id, error_class, topic, partition, offset], separators=(",", ":")
    ).encode("utf-8")


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def seal_record(sealer: Sealer, item: QuarantinedRecord) -> QuarantineMessage:
    """Seal one quarantined record. The raw bytes never leave the process unsealed."""
    rec = item.source
    meta = {
        "key": _b64(rec.key),
        "null_value": rec.value is None,
        "headers": [[name, _b64(data)] for name, data in rec.headers],
        "timestamp_ms": rec.timestamp_ms,
    }
    meta_bytes = json.dumps(meta, separators=(",", ":")).encode("ascii")
    plain = zlib.compress(len(meta_bytes).to_bytes(4, "big") + meta_bytes + (rec.value or b""), 6)
    aad = _aad(sealer.key_id, item.error_class, rec.topic, rec.partition, rec.offset)
    headers = (
        (H_KEY_ID, sealer.key_id.encode("ascii")),
        (H_CLASS, item.error_class.encode("utf-8")),
        (H_ERROR, item.message.encode("utf-8")),
        (H_TOPIC, rec.topic.encode("utf-8")),
        (H_PARTITION, str(rec.partition).encode("ascii")),
        (H_OFFSET, str(rec.offset).encode("ascii")),
    )
    return QuarantineMessage(
        key=rec.source_id.encode("utf-8"),
        value=sealer.seal(plain, aad),
        headers=headers,
        timestamp_ms=rec.timestamp_ms,
    )


def read_entry(value: bytes | None, headers: Sequence[tuple[str, bytes | None]]) -> SealedEntry:
    """Read a quarantine message's metadata (no key needed).

    Raises:
        ParseError: the message is not a logward quarantine message.
    """
    found: Mapping[str, bytes | None] = dict(headers)
    try:
        return SealedEntry(
            key_id=(found[H_KEY_ID] or b"").decode("ascii"),
            error_class=(found[H_CLASS] or b"").decode("utf-8"),
            error=(found.get(H_ERROR) or b"").decode("utf-8"),
            topic=(found[H_TOPIC] or b"").decode("utf-8"),
            partition=int(found[H_PARTITION] or b""),
            offset=int(found[H_OFFSET] or b""),
            sealed=value or b"",
            timestamp_ms=None,
        )
    except (KeyError, ValueError, UnicodeDecodeError):
        raise ParseError("not a logward quarantine message (headers missing)") from None


def open_entry(sealer: Sealer, entry: SealedEntry) -> InRecord:
    """Open a sealed entry back into the raw record it came from.

    Raises:
        KeyMaterialError: wrong key, or the payload/metadata were altered.
    """
    if entry.key_id != sealer.key_id:
        raise KeyMaterialError(
            f"record sealed with key {entry.key_id}, but the loaded key is {sealer.key_id}"
        )
    aad = _aad(entry.key_id, entry.error_class, entry.topic, entry.partition, entry.offset)
    try:
        plain = zlib.decompress(sealer.open(entry.sealed, aad))
        size = int.from_bytes(plain[:4], "big")
        envelope = json.loads(plain[4 : 4 + size])
        value = None if envelope["null_value"] else plain[4 + size :]
    except (zlib.error, ValueError, KeyError):
        raise ParseError("sealed payload opened but is not a logward envelope") from None

    def unb64(text: str | None) -> bytes | None:
        return None if text is None else base64.b64decode(text)

    return InRecord(
        topic=entry.topic,
        partition=entry.partition,
        offset=entry.offset,
        key=unb64(envelope["key"]),
        value=value,
        headers=tuple((name, unb64(data) or b"") for name, data in envelope["headers"]),
        timestamp_ms=envelope["timestamp_ms"],
    )
