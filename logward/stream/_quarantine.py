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

A record that cannot be sealed whole within the producer's size limit (say 5 MB
of random bytes) is sealed as what can be kept: the envelope then says
``truncated`` and carries the value's size and SHA-256, and only the first
``HEAD_BYTES`` of the value (key and headers as digests); the error class is
``TRUNCATED_CLASS`` and the error text gives the size, digest and original
reason. Such an entry is evidence, never replayed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from logward.stream._record import InRecord, QuarantinedRecord
from logward_base.errors import KeyMaterialError, ParseError
from scrubber import Sealer

__all__ = [
    "HEAD_BYTES",
    "TRUNCATED_CLASS",
    "QuarantineMessage",
    "SealedEntry",
    "open_entry",
    "read_entry",
    "seal_record",
]

TRUNCATED_CLASS = "TooLargeToQuarantine"
HEAD_BYTES = 4096
_KEY_HEAD = 256

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
    truncated: bool = False

    @property
    def size(self) -> int:
        """Bytes this message adds to a produce request (key, value, headers)."""
        return (
            len(self.key)
            + len(self.value)
            + sum(len(name) + len(data) + 8 for name, data in self.headers)
        )


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


def _message(
    sealer: Sealer, rec: InRecord, error_class: str, message: str, plain: bytes, truncated: bool
) -> QuarantineMessage:
    aad = _aad(sealer.key_id, error_class, rec.topic, rec.partition, rec.offset)
    headers = (
        (H_KEY_ID, sealer.key_id.encode("ascii")),
        (H_CLASS, error_class.encode("utf-8")),
        (H_ERROR, message.encode("utf-8")),
        (H_TOPIC, rec.topic.encode("utf-8")),
        (H_PARTITION, str(rec.partition).encode("ascii")),
        (H_OFFSET, str(rec.offset).encode("ascii")),
    )
    return QuarantineMessage(
        key=rec.source_id.encode("utf-8"),
        value=sealer.seal(plain, aad),
        headers=headers,
        timestamp_ms=rec.timestamp_ms,
        truncated=truncated,
    )


def _envelope(meta: dict[str, object], body: bytes) -> bytes:
    meta_bytes = json.dumps(meta, separators=(",", ":")).encode("ascii")
    return zlib.compress(len(meta_bytes).to_bytes(4, "big") + meta_bytes + body, 6)


def seal_record(
    sealer: Sealer, item: QuarantinedRecord, limit: int | None = None
) -> QuarantineMessage:
    """Seal one quarantined record. The raw bytes never leave the process unsealed.

    Args:
        sealer: the AES-256-GCM sealer.
        item: the record and why it is quarantined.
        limit: the largest message the producer may send; a record that does
            not fit sealed whole is sealed truncated (see the module docstring).
    """
    whole = _whole(sealer, item)
    if limit is None or whole.size <= limit:
        return whole
    return _truncated(sealer, item)


def _whole(sealer: Sealer, item: QuarantinedRecord) -> QuarantineMessage:
    rec = item.source
    meta: dict[str, object] = {
        "key": _b64(rec.key),
        "null_value": rec.value is None,
        "headers": [[name, _b64(data)] for name, data in rec.headers],
        "timestamp_ms": rec.timestamp_ms,
    }
    plain = _envelope(meta, rec.value or b"")
    return _message(sealer, rec, item.error_class, item.message, plain, False)


def _truncated(sealer: Sealer, item: QuarantinedRecord) -> QuarantineMessage:
    rec = item.source
    value = rec.value or b""
    digest = hashlib.sha256(value).hexdigest()
    head = value[:HEAD_BYTES]
    meta: dict[str, object] = {
        "truncated": True,
        "size": len(value),
        "sha256": digest,
        "key": _b64((rec.key or b"")[:_KEY_HEAD]) if rec.key is not None else None,
        "key_size": len(rec.key or b""),
        "key_sha256": hashlib.sha256(rec.key or b"").hexdigest(),
        "null_value": rec.value is None,
        "headers": [],
        "header_count": len(rec.headers),
        "timestamp_ms": rec.timestamp_ms,
    }
    message = (
        f"record of {len(value)} bytes is too large to quarantine whole; sealed its first "
        f"{len(head)} bytes, value sha256 {digest}; original reason: {item.error_class}"
    )
    plain = _envelope(meta, head)
    return _message(sealer, rec, TRUNCATED_CLASS, message, plain, True)


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
