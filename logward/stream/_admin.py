"""``logward quarantine inspect`` and ``replay``: read the quarantine topic.

Inspect shows counts and metadata only. ``--reveal`` with a reason prints the
opened payloads and appends an audit entry (who, why, how many) to the
monitor's hash-chained audit log first: no reveal without a trace.

Replay opens each sealed record, re-runs it through the current rules and
sends the ones that now scrub cleanly to the output topic and/or Elasticsearch
(same ``_id`` as a first delivery would have had, so Elasticsearch stays
idempotent). Records that still fail stay where they are. Replay reads the
whole topic each run: Kafka outputs can receive a record twice if replay is
run twice; filter with ``--error-class``.
"""

from __future__ import annotations

import getpass
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from logward.stream._processor import Processor
from logward.stream._quarantine import TRUNCATED_CLASS, SealedEntry, open_entry, read_entry
from logward.stream._record import CleanRecord, InRecord
from logward_base.errors import ConfigError, KeyMaterialError, ParseError
from scrubber import Scrubber, Sealer

__all__ = ["ReplayReport", "inspect_quarantine", "iter_quarantine", "replay_quarantine"]


def iter_quarantine(
    settings: dict[str, Any], topic: str, timeout: float = 10.0
) -> Iterator[SealedEntry]:
    """Read every message in ``topic`` until it is quiet (no consumer group, no commits)."""
    # optional dependency: the 'kafka'/'stream' extra
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(enable_auto_commit=False, **settings)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        # Read until the topic goes quiet: ListOffsets is not reliable on every
        # Kafka-protocol broker (Tansu 0.6 reports the last batch's base offset).
        start = time.monotonic()
        quiet = 0
        seen = False
        while time.monotonic() < start + timeout and quiet < 3:
            polled = consumer.poll(timeout_ms=300)
            seen = seen or bool(polled)
            # the first fetch can take a while (metadata, offset reset): not quiet yet
            if polled:
                quiet = 0
            elif seen or time.monotonic() > start + 3:
                quiet += 1
            for msgs in polled.values():
                for m in msgs:
                    try:
                        yield read_entry(m.value, m.headers or [])
                    except ParseError:
                        continue
    finally:
        consumer.close(autocommit=False)


def _shown(text: str) -> str:
    """Header text as printable characters: no terminal escapes from the topic."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def inspect_quarantine(
    entries: list[SealedEntry],
    sealer: Sealer,
    *,
    reveal_reason: str | None = None,
    audit: Callable[[str, dict[str, Any]], None] | None = None,
    out: Callable[[str], None] = print,
) -> int:
    """Print counts and metadata; with ``reveal_reason`` also the payloads (audited).

    Returns:
        The number of entries that failed to authenticate with the key.

    Raises:
        ConfigError: ``reveal_reason`` without ``audit`` (no reveal without a trace).
    """
    if reveal_reason is not None and audit is None:
        raise ConfigError("revealing quarantined payloads needs an audit log")
    by_class: Counter[str] = Counter(_shown(e.error_class) for e in entries)
    by_topic: Counter[str] = Counter(_shown(e.topic) for e in entries)
    out(f"{len(entries)} quarantined records; key id {sealer.key_id}")
    for name, n in sorted(by_class.items()):
        out(f"  error class {name}: {n}")
    for name, n in sorted(by_topic.items()):
        out(f"  source topic {name}: {n}")
    if reveal_reason is not None and audit is not None:
        audit(reveal_reason, {"records": len(entries), "key_id": sealer.key_id})
    bad = 0
    for e in entries:
        line = _shown(
            f"{e.topic}-{e.partition}-{e.offset} {e.error_class} key={e.key_id} {e.error}"
        )
        try:
            record = open_entry(sealer, e)
        except KeyMaterialError as exc:
            bad += 1
            out(f"{line} [does not open: {exc}]")
            continue
        size = len(record.value or b"")
        out(f"{line} ({size} bytes sealed)")
        if reveal_reason is not None:
            out(f"    payload: {(record.value or b'').decode('utf-8', errors='replace')!r}")
    return bad


@dataclass
class ReplayReport:
    """What a replay did."""

    total: int = 0
    sent: int = 0
    still_failing: int = 0
    unopened: int = 0


def replay_quarantine(
    entries: list[SealedEntry],
    sealer: Sealer,
    scrubber: Scrubber,
    deliver: Callable[[list[CleanRecord]], None],
    *,
    error_class: str | None = None,
    max_record_bytes: int = 1_048_576,
) -> ReplayReport:
    """Re-scrub quarantined records with the current rules; deliver the clean ones."""
    processor = Processor(scrubber, max_record_bytes=max_record_bytes)
    report = ReplayReport()
    records: list[InRecord] = []
    for e in entries:
        if error_class and e.error_class != error_class:
            continue
        report.total += 1
        if e.error_class == TRUNCATED_CLASS:
            report.still_failing += 1  # only the head was kept: evidence, never replayed
            continue
        try:
            records.append(open_entry(sealer, e))
        except KeyMaterialError:
            report.unopened += 1
    outcomes = processor.process(records)
    clean = [o for o in outcomes if isinstance(o, CleanRecord)]
    report.still_failing += len(outcomes) - len(clean)
    if clean:
        deliver(clean)
    report.sent = len(clean)
    return report


def current_actor() -> str:
    """``cli:<user>`` for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli:unknown"
