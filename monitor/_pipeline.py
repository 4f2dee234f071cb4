"""The monitor runner: source → parser → detector → action → sink, one loop.

Each stage is a plain callable. The runner feeds parsed events to the
DetectionEngine; every alert goes straight to the responder (same step: no
batching between an alert and its revocation) and then to the sink (e.g. print
one JSON line). With a store it also records events (scrubbed ECS ``doc``) and
per-minute counts, and checkpoints window state every ``checkpoint_every``
seconds of wall time and on ``close`` - so a stop (SIGTERM/SIGINT) loses nothing.

A checkpoint is ONE store transaction: the buffered events and rates, the
changed window keys and the source positions they correspond to (for Kafka:
each partition's next offset, see ``monitor._partitioned``). A kill -9 at any
point therefore leaves the store at some earlier consistent point, never
between them.
"""

from __future__ import annotations

import heapq
import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from logward_base.errors import StoreError
from monitor._alert import Alert
from monitor._audit import AuditLog
from monitor._event import AccessEvent
from monitor._progress import PROGRESS_PREFIX, SourceProgress
from monitor._state import StateStore
from monitor._store import STORE_ERRORS
from monitor.detect import DetectionEngine
from monitor.respond import record_alert as store_alert

__all__ = [
    "Engine",
    "Pipeline",
    "Responder",
    "Sink",
    "WindowState",
    "merge_by_time",
    "record_alert",
]

_log = logging.getLogger(__name__)

Responder = Callable[[Alert], list[dict[str, Any]]]
Sink = Callable[[dict[str, Any]], None]
_EVENT_SQL = (
    "INSERT INTO events (ts, category, action, outcome, user_name, source_ip, url_path,"
    " status_code, service_name, count, file, line, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_RATE_SQL = (
    "INSERT INTO rates (minute, kind, key, count) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (minute, kind, key) DO UPDATE SET count = count + excluded.count"
)


class Engine(Protocol):
    """What the Pipeline needs of an engine (``DetectionEngine``, ``PartitionedWindows``)."""

    @property
    def watermark(self) -> float:
        """The newest event time seen."""
        ...

    def process(self, ev: AccessEvent) -> list[Alert]:
        """Feed one event; return the alerts it raised."""
        ...


class WindowState(Protocol):
    """Where an engine's windows persist, bound to that engine."""

    def load(self) -> int:
        """Restore persisted windows; return how many keys loaded."""
        ...

    def write(self, extra: dict[str, str]) -> int:
        """Write changed windows and ``extra`` meta rows inside the caller's transaction."""
        ...


def record_alert(
    conn: sqlite3.Connection, alert: Alert, now: float, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Store and audit an alert when no responder is configured; return no actions.

    The alert id is the primary key, so recording the same firing twice is a no-op.
    """
    if conn.execute("SELECT 1 FROM alerts WHERE id = ?", (alert.id,)).fetchone() is not None:
        return []
    doc = alert.to_json()
    context = {
        "alert_id": alert.id,
        "rule": alert.rule,
        "rule_version": alert.rule_version,
        "count": alert.count,
        "first_seen": doc["first_seen"],
        "last_seen": doc["last_seen"],
        "evidence": {"window": alert.window, "events": doc["evidence"]},
    }
    store_alert(conn, AuditLog(conn, clock=lambda: now), alert, context, dry_run, now)
    return []


def merge_by_time(streams: Iterable[Iterable[AccessEvent]]) -> Iterator[AccessEvent]:
    """Merge per-file event streams (each roughly in time order) into event-time order."""
    return heapq.merge(*streams, key=lambda e: e.timestamp)


class Pipeline:
    """Drive events through detection, response and sinks.

    Args:
        engine: the detection engine.
        respond: ``alert -> list of action JSON objects`` (the responder), or None.
        sink: receives each alert's JSON object (with ``"actions"``).
        conn: the store, or None for a purely in-memory run.
        record_events: write events and per-minute rates to the store.
        checkpoint_every: seconds (wall clock) between checkpoints.
        meta: called at each checkpoint for extra ``meta`` rows (source positions).
        after_checkpoint: called once state is durable (e.g. commit Kafka offsets).
        windows: where window state persists (default: ``StateStore`` over
            ``conn`` for a ``DetectionEngine``; ``PartitionedWindows`` for Kafka).
        skip_seen: skip events the store has already seen, per source, and events
            more than ``lateness`` seconds older than the newest (see
            ``monitor._progress``): replaying a file again adds nothing, while
            another host's log is still read.
        lateness: seconds a late event may lag and still count (with ``skip_seen``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        respond: Responder | None = None,
        sink: Sink | None = None,
        conn: sqlite3.Connection | None = None,
        record_events: bool = False,
        checkpoint_every: float = 1.0,
        meta: Callable[[], dict[str, str]] | None = None,
        after_checkpoint: Callable[[], None] | None = None,
        skip_seen: bool = False,
        lateness: float = 86400.0,
        windows: WindowState | None = None,
    ) -> None:
        self.engine = engine
        self._respond = respond
        self._sink = sink
        self._conn = conn
        if windows is None and conn is not None and isinstance(engine, DetectionEngine):
            windows = StateStore(conn).bind(engine)
        self._state = windows if conn is not None else None
        self._meta_store = StateStore(conn) if conn is not None else None
        self._record = record_events and conn is not None
        self._every = checkpoint_every
        self._meta = meta
        self._after = after_checkpoint
        self._events: list[tuple[Any, ...]] = []
        self._rates: Counter[tuple[int, str, str]] = Counter()
        self._next_checkpoint = time.monotonic() + checkpoint_every
        self.progress = SourceProgress(lateness) if skip_seen else None
        self.alerts = 0
        self.duplicates = 0

    @property
    def skipped(self) -> int:
        """Events skipped as already seen or too late."""
        p = self.progress
        return 0 if p is None else p.seen + p.late

    def restore(self) -> int:
        """Load persisted window state into the engine (no-op without a store)."""
        if self._state is None or self._meta_store is None:
            return 0
        loaded = self._state.load()
        if self.progress is not None:
            rows = self._meta_store.meta_rows(PROGRESS_PREFIX)
            self.progress.load(rows, self.engine.watermark)
        return loaded

    def _seen(self, alert: Alert) -> str:
        """``"new"``, ``"acted"`` (recorded with actions) or ``"recorded"`` (no action yet).

        The id is rule + key + window start, so an alert rebuilt by replaying
        records after a crash or a partition handover is recognised here.
        """
        if self._conn is None:
            return "new"
        row = self._conn.execute("SELECT 1 FROM alerts WHERE id = ?", (alert.id,)).fetchone()
        if row is None:
            return "new"
        acted = self._conn.execute(
            "SELECT 1 FROM actions WHERE alert_id = ?", (alert.id,)
        ).fetchone()
        return "acted" if acted is not None else "recorded"

    def handle(self, ev: AccessEvent) -> list[dict[str, Any]]:
        """Process one event; return the JSON objects of the alerts it raised."""
        if self.progress is not None and not self.progress.admit(ev):
            return []
        if self._record:
            self._keep(ev)
        alerts = self.engine.process(ev)
        return self._act(alerts) if alerts else []

    def _act(self, alerts: list[Alert]) -> list[dict[str, Any]]:
        out = []
        for alert in alerts:
            seen = self._seen(alert)
            if seen == "acted" or (seen == "recorded" and self._respond is None):
                self.duplicates += 1
                continue
            # "recorded": killed between storing the alert and acting on it; the
            # responder acts once (it skips an alert whose actions are stored).
            actions = self._respond(alert) if self._respond is not None else []
            if seen == "recorded" and not actions:
                self.duplicates += 1
                continue
            doc = alert.to_json()
            doc["actions"] = actions
            self.alerts += 1
            if self._sink is not None:
                self._sink(doc)
            out.append(doc)
        return out

    def _keep(self, ev: AccessEvent) -> None:
        doc = ev.to_ecs()
        self._events.append(
            (
                ev.timestamp,
                ev.category,
                ev.action,
                ev.outcome,
                ev.user_name,
                ev.source_ip,
                ev.url_path,
                ev.status_code,
                ev.service_name,
                ev.count,
                ev.file,
                ev.line,
                json.dumps(doc, separators=(",", ":")),
            )
        )
        minute = int(ev.timestamp // 60)
        rates = self._rates
        rates[(minute, "requests", "")] += ev.count
        if ev.user_name is not None:
            rates[(minute, "requests", f"user.name={ev.user_name}")] += ev.count
        if ev.outcome == "failure":
            rates[(minute, "failures", "")] += ev.count
            if ev.source_ip is not None:
                rates[(minute, "failures", f"source.ip={ev.source_ip}")] += ev.count

    def run(self, events: Iterable[AccessEvent | None], stop: threading.Event | None = None) -> int:
        """Process events until exhausted or ``stop`` is set; checkpoint on a clean way out.

        Args:
            events: parsed events; ``None`` is an idle tick from a live source
                (a chance to checkpoint and to notice ``stop``).
            stop: set it (e.g. from a signal handler) to stop after the current event.

        Returns:
            The number of events read (skipped ones included).
        """
        n = 0
        process = self.engine.process
        keep = self._keep if self._record else None
        stored = self._conn is not None
        is_set = stop.is_set if stop is not None else bool
        admit = self.progress.admit if self.progress is not None else None
        for ev in events:
            if ev is None:
                self.maybe_checkpoint()
                if is_set():
                    break
                continue
            n += 1
            if admit is not None and not admit(ev):
                continue
            if keep is not None:
                keep(ev)
            alerts = process(ev)
            if alerts:
                self._act(alerts)
            if stored and (n & 255) == 0:
                self.maybe_checkpoint()
            if is_set():
                break
        # Only on a clean end: after an error the store keeps its last consistent
        # point (state and positions together); the failed event is read again.
        self.checkpoint()
        return n

    def maybe_checkpoint(self) -> None:
        """Checkpoint if ``checkpoint_every`` seconds have passed."""
        if time.monotonic() >= self._next_checkpoint:
            self.checkpoint()

    def checkpoint(self, *, after: bool = True) -> None:
        """Persist recorded events, rates, changed windows and positions in ONE transaction.

        Args:
            after: then call ``after_checkpoint`` (False from a rebalance listener,
                which runs on the Kafka client's IO thread).

        Raises:
            StoreError: the store rejected the write (nothing of it was written).
        """
        self._next_checkpoint = time.monotonic() + self._every
        if self._conn is None or self._state is None:
            return
        extra = self._meta() if self._meta is not None else {}
        if self.progress is not None:
            extra.update(self.progress.meta())
        try:
            with self._conn:
                if self._events:
                    self._conn.executemany(_EVENT_SQL, self._events)
                if self._rates:
                    self._conn.executemany(
                        _RATE_SQL, [(m, k, key, c) for (m, k, key), c in self._rates.items()]
                    )
                self._state.write(extra)
        except STORE_ERRORS as exc:
            raise StoreError(f"cannot checkpoint: {exc.__class__.__name__}") from exc
        self._events.clear()
        self._rates.clear()
        if after and self._after is not None:
            self._after()
