"""Decode raw Kafka records and encode scrubbed ones (JSON vs text, keys, headers).

A value whose first non-blank byte is ``{`` or ``[`` is JSON and must parse;
anything else is UTF-8 text. Invalid UTF-8 and oversized values are parse
errors: the sidecar never guesses at bytes it cannot read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from logward.stream._record import InRecord
from logward_base.errors import ParseError

__all__ = [
    "REDACTIONS_HEADER",
    "SOURCE_HEADER",
    "Decoded",
    "decode_header",
    "decode_value",
    "encode_counts",
    "encode_value",
    "iso_timestamp",
    "to_document",
]

REDACTIONS_HEADER = "logward-redactions"
SOURCE_HEADER = "logward-source"

Decoded = tuple[str, Any]  # ("json", object) or ("text", str) or ("empty", None)


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{what} is not valid UTF-8 (byte {exc.start})") from None


def decode_value(data: bytes | None, max_bytes: int) -> Decoded:
    """Classify and parse a record value.

    Raises:
        ParseError: too large, not UTF-8, or JSON-looking but not JSON.
    """
    if data is None:
        return ("empty", None)
    if max_bytes and len(data) > max_bytes:
        raise ParseError(f"value of {len(data)} bytes exceeds the {max_bytes}-byte limit")
    text = _text(data, "value")
    head = text.lstrip()[:1]
    if head in ("{", "["):
        try:
            return ("json", json.loads(text))
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"value looks like JSON but does not parse (line {exc.lineno}, column {exc.colno})"
            ) from None
        except RecursionError:
            raise ParseError("value is JSON nested too deeply") from None
        except ValueError:  # an integer over Python's int_max_str_digits
            raise ParseError("value is JSON with a number too long to convert") from None
    return ("text", text)


def decode_header(name: str, data: bytes | None) -> str:
    """Decode one header value as UTF-8 (``None`` becomes "")."""
    return "" if data is None else _text(data, "a header value")


def encode_value(kind: str, value: Any) -> bytes | None:
    """Encode a scrubbed value back to bytes in the form it came in.

    Raises:
        ParseError: the JSON holds NaN/Infinity or an unpaired surrogate escape.
    """
    if kind == "empty":
        return None
    if kind == "json":
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError:
            raise ParseError("value is JSON with NaN or an infinite number") from None
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError("value is JSON with an unpaired surrogate escape") from None
    return str(value).encode("utf-8")


def encode_counts(counts: Mapping[str, int]) -> bytes:
    """The ``logward-redactions`` header: counts per entity type, sorted, as JSON."""
    if not counts:
        return b"{}"
    return json.dumps(dict(sorted(counts.items())), separators=(",", ":")).encode("ascii")


def iso_timestamp(timestamp_ms: int | None) -> str:
    """Kafka's timestamp as an ISO 8601 UTC string (``@timestamp``)."""
    ts = (timestamp_ms if timestamp_ms is not None and timestamp_ms >= 0 else 0) / 1000.0
    return (
        datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def to_document(
    source: InRecord, kind: str, value: Any, key: str | None, counts: Mapping[str, int]
) -> dict[str, Any]:
    """Build the Elasticsearch document for a scrubbed record.

    JSON objects keep their shape; text (and JSON that is not an object) goes in
    ``message``. ``@timestamp`` is the record's own if it has one, else Kafka's.
    ``logward`` carries the redaction counts and the source coordinates.
    """
    if kind == "json" and isinstance(value, dict):
        doc: dict[str, Any] = dict(value)
    elif kind == "json":
        doc = {"message": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}
    else:
        doc = {"message": value if value is not None else ""}
    doc.setdefault("@timestamp", iso_timestamp(source.timestamp_ms))
    meta = {
        "redactions": dict(sorted(counts.items())),
        "source": {"topic": source.topic, "partition": source.partition, "offset": source.offset},
    }
    if key is not None:
        meta["key"] = key
    existing = doc.get("logward")
    doc["logward"] = {**existing, **meta} if isinstance(existing, dict) else meta
    return doc
