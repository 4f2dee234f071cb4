"""Deliver notifications off the detection path: a worker thread, retries, digests, audit.

``Notifier.submit`` is called by the responder once an alert is stored and its
actions are taken; it never blocks on the network. A worker thread sends each
message to each channel, retrying with exponential backoff; the outcome of every
delivery is written to the ``notifications`` table and the audit chain (a
failure is also shown on the dashboard's overview).

Repeats of one (rule, key) on one channel within the cool-down are held and sent
as one digest when the cool-down ends (or when the notifier closes).
"""

from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor._alert import Alert
from monitor._audit import AuditLog
from monitor._store import STORE_ERRORS, open_store
from monitor.notify._channels import Channel, DeliveryError, build_channel
from monitor.notify._config import NotifyConfig
from monitor.notify._message import NotifyMessage, build_message, digest_message
from monitor.revokers import resolve_secret

__all__ = ["NOTIFICATIONS_TABLE", "Notifier", "notification_summary"]

logger = logging.getLogger("monitor.notify")

NOTIFICATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    msg_id TEXT NOT NULL UNIQUE,
    alert_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,              -- message | digest
    state TEXT NOT NULL,             -- sent | failed
    attempts INTEGER NOT NULL,
    error TEXT,
    created_at REAL NOT NULL,
    done_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_state ON notifications (state, done_at);
"""


@dataclass
class _Group:
    opened: float
    opened_wall: float
    held: list[tuple[str, NotifyMessage]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Job:
    msg_id: str
    alert_id: str
    channel: str
    kind: str
    message: NotifyMessage
    created: float


class Notifier:
    """Send alert notifications to the configured channels.

    Args:
        config: the ``notify`` section.
        data_dir: the store's directory (the worker opens its own connection).
        clock: event time (replay) for cool-downs and deadlines.
        sleep: waits between retries.
        channels: built channels by name; default: built from ``config``.
    """

    def __init__(
        self,
        config: NotifyConfig,
        data_dir: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        channels: Mapping[str, Channel] | None = None,
    ) -> None:
        self.config = config
        self._dir = Path(data_dir)
        self._clock = clock
        self._sleep = sleep
        self.channels = dict(channels) if channels is not None else {
            name: build_channel(spec) for name, spec in config.channels.items()
        }  # fmt: skip
        self._key = (
            resolve_secret(config.pseudonym_key, "notify").encode()
            if config.pseudonymise and config.pseudonym_key is not None
            else None
        )
        self._groups: dict[tuple[str, str, str], _Group] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._closed = False
        conn = open_store(self._dir)
        try:
            conn.executescript(NOTIFICATIONS_TABLE)
        finally:
            conn.close()

    def channels_for(self, alert: Alert, named: Sequence[str]) -> list[str]:
        """The channels an alert goes to: those its response names, plus the critical default."""
        out = [n for n in named if n in self.channels]
        if alert.severity == "critical":
            out += [n for n in self.config.critical if n not in out]
        return out

    def submit(
        self, alert: Alert, actions: Sequence[tuple[str, str]], channels: Sequence[str]
    ) -> None:
        """Queue the alert's message for ``channels`` (or hold it for a digest)."""
        if not channels:
            return
        now = self._clock()
        message = build_message(self.config, alert, actions, now, self._key)
        with self._lock:
            self._flush_groups(lambda g: now - g.opened >= self.config.cooldown)
            for channel in channels:
                group_key = (channel, alert.rule, alert.key_text)
                group = self._groups.get(group_key)
                if group is not None and now - group.opened < self.config.cooldown:
                    group.held.append((alert.id, message))
                    continue
                self._groups[group_key] = _Group(now, time.monotonic())
                self._put(
                    _Job(f"ntf_{alert.id}_{channel}", alert.id, channel, "message", message, now)
                )

    def _flush_groups(self, due: Callable[[_Group], bool]) -> None:
        for group_key, group in list(self._groups.items()):
            if not due(group):
                continue
            del self._groups[group_key]
            if group.held:
                channel = group_key[0]
                first_id = group.held[0][0]
                digest = digest_message(self.config, [m for _, m in group.held])
                self._put(_Job(f"ntf_{first_id}_{channel}_digest", first_id, channel, "digest",
                               digest, self._clock()))  # fmt: skip

    def _put(self, job: _Job) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="notify", daemon=True)
            self._thread.start()
            atexit.register(self.close)
        self._queue.put(job)

    def close(self, timeout: float = 30.0) -> None:
        """Send held digests, wait for queued messages (up to ``timeout``), stop the worker."""
        with self._lock:
            if self._closed:
                return
            self._flush_groups(lambda g: True)
            self._closed = True
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        conn = open_store(self._dir)
        audit = AuditLog(conn, self._clock)
        try:
            while True:
                try:
                    job = self._queue.get(timeout=1.0)
                except queue.Empty:
                    with self._lock:
                        self._flush_groups(self._cooled_down)
                    continue
                if job is None:
                    return
                self._deliver(conn, audit, job)
        finally:
            conn.close()

    def _cooled_down(self, group: _Group) -> bool:
        return time.monotonic() - group.opened_wall >= self.config.cooldown

    def _deliver(self, conn: sqlite3.Connection, audit: AuditLog, job: _Job) -> None:
        channel = self.channels[job.channel]
        error = ""
        attempts = 0
        for attempt in range(self.config.attempts):
            attempts = attempt + 1
            try:
                channel.send(job.message, job.msg_id)
                error = ""
                break
            except DeliveryError as exc:
                error = str(exc)
                if not exc.retryable:
                    break
            except Exception as exc:  # a channel bug must not kill the worker
                error = f"channel {job.channel!r}: {exc.__class__.__name__}"
                break
            if attempt + 1 < self.config.attempts:
                self._sleep(self.config.backoff * 2**attempt)
        state = "failed" if error else "sent"
        try:
            with conn:
                conn.execute(
                    "INSERT OR IGNORE INTO notifications (msg_id, alert_id, channel, kind, state,"
                    " attempts, error, created_at, done_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (job.msg_id, job.alert_id, job.channel, job.kind, state, attempts,
                     error or None, job.created, self._clock()),
                )  # fmt: skip
            detail = {"channel": job.channel, "kind": job.kind, "attempts": attempts}
            if error:
                detail["error"] = error
                logger.warning(
                    "notification %s to %s failed after %s attempts",
                    job.msg_id,
                    job.channel,
                    attempts,
                )
            audit.append(
                "monitor", "notify_failed" if error else "notify_sent", job.alert_id, detail
            )
        except STORE_ERRORS as exc:
            logger.error("cannot record notification %s: %s", job.msg_id, exc.__class__.__name__)


def notification_summary(conn: sqlite3.Connection, since: float) -> dict[str, int]:
    """Counts of sent and failed notifications since ``since`` (for the overview)."""
    try:
        rows = conn.execute(
            "SELECT state, COUNT(*) FROM notifications WHERE done_at >= ? GROUP BY state", (since,)
        ).fetchall()
    except STORE_ERRORS:
        return {}
    return {str(r[0]): int(r[1]) for r in rows}
