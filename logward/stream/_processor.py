"""Scrub a batch of raw records into clean records or quarantine decisions.

The pattern tier runs inline, record by record (``scrub_mapping`` for JSON so
key-name rules apply, ``scrub_texts`` for the key, headers and text values).
With NER enabled, every text of the batch goes through one ``scrub_texts`` call
so the engine can hand the model one ``nlp.pipe`` batch; JSON values still go
through ``scrub_mapping`` record by record (key-name rules need the keys).

Fail closed: if the engine marks any part of a record ``FAILED_PLACEHOLDER``
or raises, the whole record is quarantined, never partly written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from logward.stream._codec import (
    REDACTIONS_HEADER,
    SOURCE_HEADER,
    Decoded,
    decode_header,
    decode_value,
    encode_counts,
    encode_value,
    to_document,
)
from logward.stream._record import CleanRecord, InRecord, Outcome, QuarantinedRecord
from logward_base.errors import ParseError
from scrubber import FAILED_PLACEHOLDER, Scrubber

__all__ = ["Processor", "safe_message"]

_OURS = frozenset({REDACTIONS_HEADER, SOURCE_HEADER})
_TOKEN = re.compile(r"<([A-Z][A-Z0-9_]*)>")
_DEPTH_LIMIT = "DEPTH_LIMIT"  # the entity the engine counts when it cuts off deep JSON


def safe_message(scrubber: Scrubber, exc: BaseException) -> str:
    """An exception's message, scrubbed; only the class name if scrubbing fails."""
    name = type(exc).__name__
    try:
        text = scrubber.scrub_text(str(exc))
    except Exception:
        return name
    if FAILED_PLACEHOLDER in text:
        return name
    return f"{name}: {text}"[:500]


def _has_failure(value: Any) -> bool:
    if isinstance(value, str):
        return FAILED_PLACEHOLDER in value
    if isinstance(value, dict):
        return any(_has_failure(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_failure(v) for v in value)
    return False


@dataclass(slots=True)
class _Work:
    record: InRecord
    decoded: Decoded
    texts: list[str]  # key (if any), header name/value pairs, then the text value (if text)
    has_key: bool


class Processor:
    """Turn raw records into ``CleanRecord`` or ``QuarantinedRecord``, in input order.

    Args:
        scrubber: the one engine (same rules as the logging filter).
        max_record_bytes: values larger than this are quarantined (0: no limit).
        batch_texts: send all texts of a batch through one ``scrub_texts`` call (NER).
        documents: build the Elasticsearch document (skip when there is no ES sink).
    """

    def __init__(
        self,
        scrubber: Scrubber,
        *,
        max_record_bytes: int = 1_048_576,
        batch_texts: bool = False,
        documents: bool = True,
    ) -> None:
        self.scrubber = scrubber
        self.max_record_bytes = max_record_bytes
        self.batch_texts = batch_texts
        self.documents = documents

    def _prepare(self, record: InRecord) -> _Work:
        decoded = decode_value(record.value, self.max_record_bytes)
        texts: list[str] = []
        has_key = record.key is not None
        if record.key is not None:
            if self.max_record_bytes and len(record.key) > self.max_record_bytes:
                raise ParseError("key exceeds the record size limit")
            texts.append(decode_header("key", record.key))
        for name, data in record.headers:
            if name in _OURS:
                continue
            texts.append(name)
            texts.append(decode_header(name, data))
        if decoded[0] == "text":
            texts.append(decoded[1])
        return _Work(record, decoded, texts, has_key)

    def process(self, records: Sequence[InRecord]) -> list[Outcome]:
        """Scrub a batch. Never raises on data: failures become quarantine decisions."""
        outcomes: list[Outcome | None] = [None] * len(records)
        work: list[tuple[int, _Work]] = []
        for i, record in enumerate(records):
            try:
                work.append((i, self._prepare(record)))
            except ParseError as exc:
                outcomes[i] = QuarantinedRecord(record, "ParseError", str(exc))
            except Exception as exc:  # never let one record stop the batch
                outcomes[i] = QuarantinedRecord(
                    record, "ParseError", safe_message(self.scrubber, exc)
                )
        if self.batch_texts and work:
            self._scrub_batched(work, outcomes)
        else:
            for i, item in work:
                outcomes[i] = self._scrub_one(item)
        return [o for o in outcomes if o is not None]

    def _scrub_one(self, item: _Work) -> Outcome:
        counts: Counter[str] = Counter()
        try:
            texts = self.scrubber.scrub_texts(item.texts, counts) if item.texts else []
            value = item.decoded[1]
            if item.decoded[0] == "json":
                value = self.scrubber.scrub_value(value, None, counts)
            return self._finish(item, texts, value, counts)
        except Exception as exc:
            return QuarantinedRecord(item.record, "ScrubError", safe_message(self.scrubber, exc))

    def _scrub_batched(self, work: list[tuple[int, _Work]], outcomes: list[Outcome | None]) -> None:
        flat = [t for _, item in work for t in item.texts]
        try:
            scrubbed = self.scrubber.scrub_texts(flat) if flat else []
            if len(scrubbed) != len(flat):
                raise RuntimeError("engine returned a different number of texts")
        except Exception as exc:
            message = safe_message(self.scrubber, exc)
            for i, item in work:
                outcomes[i] = QuarantinedRecord(item.record, "ScrubError", message)
            return
        pos = 0
        for i, item in work:
            n = len(item.texts)
            texts, pos = scrubbed[pos : pos + n], pos + n
            counts: Counter[str] = Counter()
            for before, after in zip(item.texts, texts, strict=True):
                found = Counter(_TOKEN.findall(after))
                found.subtract(Counter(_TOKEN.findall(before)))
                counts.update(+found)
            try:
                value = item.decoded[1]
                if item.decoded[0] == "json":
                    value = self.scrubber.scrub_value(value, None, counts)
                outcomes[i] = self._finish(item, texts, value, counts)
            except Exception as exc:
                outcomes[i] = QuarantinedRecord(
                    item.record, "ScrubError", safe_message(self.scrubber, exc)
                )

    def _finish(
        self, item: _Work, texts: Sequence[str], value: Any, counts: Counter[str]
    ) -> Outcome:
        record, kind = item.record, item.decoded[0]
        if any(FAILED_PLACEHOLDER in t for t in texts) or _has_failure(value):
            return QuarantinedRecord(
                record, "ScrubFailed", "the scrubbing engine failed on part of this record"
            )
        if counts.get(_DEPTH_LIMIT):
            # the engine cut off content past max_depth: seal it whole rather than lose it
            return QuarantinedRecord(
                record,
                "ParseError",
                f"value is JSON nested deeper than max_depth ({self.scrubber.policy.max_depth})",
            )
        it = iter(texts)
        key_text = next(it) if item.has_key else None
        headers: list[tuple[str, bytes]] = []
        for _ in (h for h in record.headers if h[0] not in _OURS):
            name = next(it)
            headers.append((name, next(it).encode("utf-8")))
        if kind == "text":
            value = next(it)
        try:
            encoded = encode_value(kind, value)
        except ParseError as exc:
            return QuarantinedRecord(record, "ParseError", str(exc))
        clean_counts = {k: v for k, v in counts.items() if v > 0}
        headers.append((REDACTIONS_HEADER, encode_counts(clean_counts)))
        headers.append((SOURCE_HEADER, record.source_id.encode("utf-8")))
        return CleanRecord(
            source=record,
            key=None if key_text is None else key_text.encode("utf-8"),
            value=encoded,
            headers=tuple(headers),
            document=(
                to_document(record, kind, value, key_text, clean_counts) if self.documents else {}
            ),
            counts=clean_counts,
        )
