"""Retention: delete what is older than its period, overwriting it.

Two periods (policy: 12 months for both by default):

* ``events``: access events, per-minute rates (their keys name accounts) and
  scrubbing counts older than the period are deleted;
* ``records``: alerts, their actions, finished revocations and the audit chain
  are deleted 12 months after their LAST activity (an alert with a recent action
  stays; an account still revoked stays).

The audit chain is pruned only as a prefix and only if it verifies; a signed
checkpoint (``monitor._audit_checkpoint``) records what went, and a
``retention_prune`` entry is appended, so ``logward audit verify`` still passes.
Deleted rows are overwritten (``PRAGMA secure_delete = ON`` on every store
connection); the WAL is then checkpointed and truncated so old page images do
not linger, and ``vacuum=True`` rebuilds the file. :class:`RetentionScheduler`
runs :func:`prune` from ``monitor run`` at most every ``every`` seconds of its
injected clock (default daily), remembering the last run in ``meta``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from logward_base.errors import AuditChainError
from monitor._audit import AuditLog
from monitor._audit_checkpoint import add_checkpoint

__all__ = [
    "DEFAULT_RETENTION",
    "PruneResult",
    "RetentionPolicy",
    "RetentionScheduler",
    "prune",
    "store_stats",
]

DEFAULT_RETENTION = 365 * 86400.0
_LAST_RUN = "retention_last_run"
_log = logging.getLogger("monitor.retention")

#: table -> the column holding its time (epoch seconds), for ``store stats``.
_TIME_COLUMNS = {
    "events": "ts",
    "alerts": "created_at",
    "actions": "created_at",
    "revocations": "revoked_at",
    "deny_list": "added_at",
    "audit": "ts",
    "audit_checkpoints": "created_at",
    "rates": "minute * 60",
    "scrub_stats": "ts",
    "window_state": "updated",
    "accounts": "updated_at",
}


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long to keep events, and alerts/actions/audit after their last activity."""

    events: float = DEFAULT_RETENTION
    records: float = DEFAULT_RETENTION


@dataclass(frozen=True, slots=True)
class PruneResult:
    """Rows deleted per table (or that would be, on a dry run)."""

    events: int = 0
    rates: int = 0
    scrub_stats: int = 0
    alerts: int = 0
    actions: int = 0
    revocations: int = 0
    audit: int = 0

    def as_dict(self) -> dict[str, int]:
        """Counts by table name."""
        return asdict(self)


def _count(conn: sqlite3.Connection, sql: str, params: tuple[float, ...]) -> int:
    return int(conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])  # noqa: S608 - constant SQL only


_OLD_ALERTS = (
    "SELECT id FROM alerts a WHERE max(a.created_at, a.last_seen) < :cut"
    " AND NOT EXISTS (SELECT 1 FROM actions x WHERE x.alert_id = a.id AND x.created_at >= :cut)"
)
_OLD_ACTIONS = (
    "SELECT id FROM actions WHERE created_at < :cut"  # noqa: S608 - constant SQL only
    " AND (alert_id IS NULL OR alert_id NOT IN (SELECT id FROM alerts)"
    " OR alert_id IN (" + _OLD_ALERTS + "))"
)
_OLD_REVOCATIONS = (
    "SELECT account FROM revocations WHERE state != 'revoked'"
    " AND max(revoked_at, coalesce(reinstated_at, 0)) < :cut"
)


def _audit_prefix(conn: sqlite3.Connection, cut: float) -> tuple[int, int]:
    """Return (through_seq, count): the prefix of entries older than ``cut``, never the last."""
    row = conn.execute(
        "SELECT min(seq), max(seq) FROM audit WHERE seq < coalesce("
        " (SELECT min(seq) FROM audit WHERE ts >= ?), (SELECT max(seq) FROM audit))",
        (cut,),
    ).fetchone()
    if row is None or row[0] is None:
        return 0, 0
    return int(row[1]), int(row[1]) - int(row[0]) + 1


def prune(
    conn: sqlite3.Connection,
    policy: RetentionPolicy,
    now: float,
    *,
    dry_run: bool = False,
    vacuum: bool = False,
    actor: str = "monitor",
    keep_audit: bool = False,
) -> PruneResult:
    """Delete everything older than its retention period.

    Args:
        conn: an open store connection.
        policy: the retention periods.
        now: the current time (epoch seconds).
        dry_run: count only.
        vacuum: rebuild the file afterwards (``logward store prune`` does).
        actor: who prunes, for the audit entry.
        keep_audit: leave the audit chain alone (used when it does not verify).

    Raises:
        AuditChainError: the audit chain does not verify, so it is not pruned (nothing is).
    """
    ev_cut, rec_cut = now - policy.events, now - policy.records
    through, n_audit = (0, 0) if keep_audit else _audit_prefix(conn, rec_cut)
    counts = PruneResult(
        events=_count(conn, "SELECT 1 FROM events WHERE ts < ?", (ev_cut,)),
        rates=_count(conn, "SELECT 1 FROM rates WHERE minute * 60 < ?", (ev_cut,)),
        scrub_stats=_count(conn, "SELECT 1 FROM scrub_stats WHERE ts < ?", (ev_cut,)),
        alerts=int(
            conn.execute(f"SELECT count(*) FROM ({_OLD_ALERTS})", {"cut": rec_cut}).fetchone()[0]  # noqa: S608 - constant SQL only
        ),
        actions=int(
            conn.execute(f"SELECT count(*) FROM ({_OLD_ACTIONS})", {"cut": rec_cut}).fetchone()[0]  # noqa: S608 - constant SQL only
        ),
        revocations=int(
            conn.execute(f"SELECT count(*) FROM ({_OLD_REVOCATIONS})", {"cut": rec_cut}).fetchone()[  # noqa: S608 - constant SQL only
                0
            ]
        ),
        audit=n_audit,
    )
    if dry_run or not any(counts.as_dict().values()):
        return counts
    audit = AuditLog(conn, clock=lambda: now)
    if n_audit:
        status = audit.verify()
        if not status.ok:
            raise AuditChainError(
                f"the audit chain does not verify (entry {status.first_bad_seq}: "
                f"{status.reason}); nothing was pruned"
            )
    own_tx = not conn.in_transaction
    if own_tx:
        conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM events WHERE ts < ?", (ev_cut,))
        conn.execute("DELETE FROM rates WHERE minute * 60 < ?", (ev_cut,))
        conn.execute("DELETE FROM scrub_stats WHERE ts < ?", (ev_cut,))
        conn.execute(f"DELETE FROM actions WHERE id IN ({_OLD_ACTIONS})", {"cut": rec_cut})  # noqa: S608 - constant SQL only
        conn.execute(f"DELETE FROM alerts WHERE id IN ({_OLD_ALERTS})", {"cut": rec_cut})  # noqa: S608 - constant SQL only
        conn.execute(
            f"DELETE FROM revocations WHERE account IN ({_OLD_REVOCATIONS})",  # noqa: S608 - constant SQL only
            {"cut": rec_cut},
        )
        if n_audit:
            head, first_ts, last_ts = conn.execute(
                "SELECT (SELECT hash FROM audit WHERE seq = ?), min(ts), max(ts)"
                " FROM audit WHERE seq <= ?",
                (through, through),
            ).fetchone()
            conn.execute("DELETE FROM audit WHERE seq <= ?", (through,))
            add_checkpoint(
                conn,
                now=now,
                through_seq=through,
                head_hash=head,
                removed=n_audit,
                first_ts=first_ts,
                last_ts=last_ts,
                reason=f"retention: older than {policy.records / 86400:g} days",
            )
        audit.append(actor, "retention_prune", "", counts.as_dict())
        conn.commit()
    except BaseException:
        if own_tx:
            conn.rollback()
        raise
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if vacuum:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


def store_stats(conn: sqlite3.Connection) -> dict[str, dict[str, float | int | None]]:
    """Count rows and the oldest time per table: ``{table: {"count", "oldest"}}``."""
    out: dict[str, dict[str, float | int | None]] = {}
    for table, column in _TIME_COLUMNS.items():
        n, oldest = conn.execute(f"SELECT count(*), min({column}) FROM {table}").fetchone()  # noqa: S608 - constant SQL only
        out[table] = {"count": int(n), "oldest": None if oldest is None else float(oldest)}
    return out


class RetentionScheduler:
    """Run :func:`prune` at most every ``every`` seconds of ``clock`` (``monitor run``).

    Args:
        conn: the monitor's store connection.
        policy: the retention periods.
        clock: event/wall clock in epoch seconds; injected for tests.
        every: seconds between runs (default daily).
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        policy: RetentionPolicy,
        clock: Callable[[], float] = time.time,
        every: float = 86400.0,
    ) -> None:
        self._conn = conn
        self._policy = policy
        self._clock = clock
        self._every = every
        row = conn.execute("SELECT v FROM meta WHERE k = ?", (_LAST_RUN,)).fetchone()
        self._last = float(row[0]) if row is not None else None

    def maybe_prune(self) -> PruneResult | None:
        """Prune if the last run is ``every`` seconds old (or there was none)."""
        now = self._clock()
        if self._last is not None and now - self._last < self._every:
            return None
        try:
            result = prune(self._conn, self._policy, now)
        except AuditChainError as exc:
            # Events must still go; the broken chain is kept as evidence for a human.
            _log.warning("retention: audit chain not pruned: %s", exc)
            result = prune(self._conn, self._policy, now, keep_audit=True)
        self._conn.execute(
            "INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (_LAST_RUN, repr(now))
        )
        self._conn.commit()
        self._last = now
        _log.info("retention: pruned %s", result.as_dict())
        return result
