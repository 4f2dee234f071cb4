"""Find PII that got through: run the full detector set over data already stored.

Sources yield ``(location, text)`` items; JSON objects are walked so that a
value under a PII key name counts even when no pattern matches it (the same
rule the scrubber applies), while values that are already placeholders do not.
Only counts and locations are reported, never the values found.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrubber import Scrubber

__all__ = [
    "ScanReport",
    "es_items",
    "file_items",
    "kafka_items",
    "scan_items",
]

# `<EMAIL_ADDRESS>`, `<PERSON:3f9a1c02>`, `<SCRUB_FAILED>`, masks like `************1234`.
_PLACEHOLDER = re.compile(r"^(?:<[A-Z][A-Z0-9_]*(?::[0-9a-f]+)?>|\**\d{0,4}|\[REDACTED\])$")


@dataclass
class ScanReport:
    """What a scan found: counts per entity, and per location (bounded)."""

    items: int = 0
    items_with_pii: int = 0
    by_entity: Counter[str] = field(default_factory=Counter)
    locations: dict[str, Counter[str]] = field(default_factory=dict)
    max_locations: int = 1000
    locations_dropped: int = 0

    def add(self, location: str, entities: Counter[str]) -> None:
        """Record one item's findings (entity counts only)."""
        self.items += 1
        if not entities:
            return
        self.items_with_pii += 1
        self.by_entity.update(entities)
        if len(self.locations) < self.max_locations:
            self.locations.setdefault(location, Counter()).update(entities)
        else:
            self.locations_dropped += 1

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return self.items_with_pii == 0

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (counts and locations only)."""
        return {
            "items_scanned": self.items,
            "items_with_pii": self.items_with_pii,
            "by_entity": dict(sorted(self.by_entity.items())),
            "locations": {loc: dict(sorted(c.items())) for loc, c in self.locations.items()},
            "locations_not_listed": self.locations_dropped,
        }


def _leaves(value: Any, key: str | None, out: list[tuple[str | None, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _leaves(v, str(k), out)
            out.append((None, str(k)))  # keys can carry PII too
    elif isinstance(value, list):
        for v in value:
            _leaves(v, key, out)
    elif isinstance(value, str):
        out.append((key, value))
    elif value is not None and not isinstance(value, bool):
        out.append((None, str(value)))  # key-name rule: strings only (counts are not PII)


def _split(text: str) -> tuple[list[tuple[str | None, str]], bool]:
    """Split an item into (key, text) leaves; plain text is one leaf."""
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        leaves: list[tuple[str | None, str]] = []
        try:
            _leaves(json.loads(text), None, leaves)
        except (ValueError, RecursionError):  # not JSON, or nested too deeply: scan as text
            return [(None, text)], False
        return leaves, True
    return [(None, text)], False


def scan_items(
    scrubber: Scrubber,
    items: Iterable[tuple[str, str]],
    *,
    batch_size: int = 256,
    max_locations: int = 1000,
) -> ScanReport:
    """Scan ``(location, text)`` items in batches and return what was found.

    Args:
        scrubber: the detector set to use (load it with ``ner=True`` for the full set).
        items: locations (``file:line``, ``index/id``, ``topic/partition/offset``) and texts.
        batch_size: texts per detector batch (NER runs through ``nlp.pipe``).
        max_locations: locations listed in the report; counts cover everything.
    """
    report = ScanReport(max_locations=max_locations)
    batch: list[tuple[str, list[tuple[str | None, str]]]] = []
    for location, text in items:
        leaves, _ = _split(text)
        batch.append((location, leaves))
        if sum(len(leaves) for _, leaves in batch) >= batch_size:
            _scan_batch(scrubber, batch, report)
            batch = []
    if batch:
        _scan_batch(scrubber, batch, report)
    return report


def _scan_batch(
    scrubber: Scrubber,
    batch: Sequence[tuple[str, list[tuple[str | None, str]]]],
    report: ScanReport,
) -> None:
    texts = [text for _, leaves in batch for _, text in leaves]
    findings = iter(scrubber.find_batch(texts))
    matcher = scrubber.key_matcher
    for location, leaves in batch:
        entities: Counter[str] = Counter()
        for key, text in leaves:
            found = next(findings)
            entities.update(f.entity for f in found)
            if key is not None and not found and not _PLACEHOLDER.match(text.strip()):
                entity = matcher.entity_for(key)
                if entity is not None:
                    entities[entity] += 1
        report.add(location, entities)


def file_items(paths: Sequence[str | Path]) -> Iterator[tuple[str, str]]:
    """Yield ``("path:line", text)`` for every line of every file (bytes decoded leniently)."""
    for path in paths:
        with Path(path).open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                yield f"{path}:{number}", raw.rstrip(b"\r\n").decode("utf-8", "replace")


def es_items(
    url: str,
    index: str,
    *,
    api_key: str | None = None,
    basic_auth: tuple[str, str] | None = None,
    query: dict[str, Any] | None = None,
) -> Iterator[tuple[str, str]]:
    """Yield ``("index/id", json)`` for every document matching ``index`` (a pattern)."""
    # optional dependency: the 'elasticsearch'/'stream' extra
    from elasticsearch import Elasticsearch
    from elasticsearch.helpers import scan

    client = Elasticsearch(url, api_key=api_key, basic_auth=basic_auth)
    try:
        for hit in scan(client, index=index, query=query or {"query": {"match_all": {}}}):
            yield f"{hit['_index']}/{hit['_id']}", json.dumps(hit.get("_source", {}))
    finally:
        client.close()


def kafka_items(
    bootstrap: str, topic: str, *, timeout_s: float = 10.0, **config: Any
) -> Iterator[tuple[str, str]]:
    """Yield ``("topic/partition/offset", text)`` for every record now in ``topic``.

    Reads from the beginning to the end offsets seen at start, without joining a
    consumer group or committing anything. Keys and headers are scanned too.
    """
    # optional dependency: the 'kafka'/'stream' extra
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **config)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        end = consumer.end_offsets(assigned)
        remaining = {tp for tp in assigned if end[tp] > 0}
        deadline = time.monotonic() + timeout_s
        while remaining and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                for rec in records:
                    where = f"{tp.topic}/{tp.partition}/{rec.offset}"
                    parts = [rec.value or b"", rec.key or b""]
                    parts.extend(v or b"" for _, v in rec.headers or [])
                    for part in parts:
                        if part:
                            yield where, bytes(part).decode("utf-8", "replace")
                    if rec.offset + 1 >= end[tp]:
                        remaining.discard(tp)
                deadline = time.monotonic() + timeout_s
    finally:
        consumer.close()
