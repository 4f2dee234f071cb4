"""The append-only, hash-chained audit log (table ``audit``).

Each entry's ``hash`` is SHA-256 over the previous entry's hash and the
canonical JSON of this entry's fields, so editing, deleting or reordering any
entry breaks every hash after it. ``verify`` recomputes the chain, starting
from the newest signed retention checkpoint (``monitor._audit_checkpoint``)
when old entries were pruned.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from monitor._audit_checkpoint import latest_checkpoint

__all__ = ["GENESIS_HASH", "AuditEntry", "AuditLog", "ChainStatus"]

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record. ``detail`` must already be scrubbed."""

    seq: int
    ts: float
    actor: str
    action: str
    subject: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """Result of verifying the chain: ``ok`` and, if not, the first bad ``seq``."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""


def _digest(prev_hash: str, ts: float, actor: str, action: str, subject: str, detail: str) -> str:
    body = json.dumps(
        {"ts": repr(ts), "actor": actor, "action": action, "subject": subject, "detail": detail},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


class AuditLog:
    """Append to and verify the audit chain in an open store connection.

    Args:
        conn: a connection from ``monitor._store.open_store``.
        clock: returns the current time (epoch seconds); injected for tests.
    """

    _lock = threading.Lock()

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], float] = time.time) -> None:
        self._conn = conn
        self._clock = clock

    def append(
        self,
        actor: str,
        action: str,
        subject: str = "",
        detail: Mapping[str, Any] | None = None,
        *,
        ts: float | None = None,
    ) -> AuditEntry:
        """Append one entry and commit it. Thread-safe within the process.

        ``BEGIN IMMEDIATE`` serialises writers across processes too, so the
        chain stays linear when the monitor and the dashboard both append. On
        PostgreSQL it takes the store's transaction-scoped advisory write lock
        (``monitor.store._postgres``), so the head is read and extended by one
        appender at a time across every instance: one chain for the fleet.
        """
        detail_json = json.dumps(dict(detail or {}), sort_keys=True, separators=(",", ":"))
        when = self._clock() if ts is None else ts
        with self._lock:
            in_tx = self._conn.in_transaction
            if not in_tx:
                self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(
                    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                if row is None:
                    checkpoint, _ = latest_checkpoint(self._conn)
                    if checkpoint is not None:  # every entry was pruned: chain on from it
                        row = (checkpoint.through_seq, checkpoint.head_hash)
                prev = row[1] if row else GENESIS_HASH
                seq = (row[0] + 1) if row else 1
                digest = _digest(prev, when, actor, action, subject, detail_json)
                self._conn.execute(
                    "INSERT INTO audit (seq, ts, actor, action, subject, detail, prev_hash, hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, when, actor, action, subject, detail_json, prev, digest),
                )
                if not in_tx:
                    self._conn.commit()
            except BaseException:
                if not in_tx:
                    self._conn.rollback()
                raise
        return AuditEntry(seq, when, actor, action, subject, json.loads(detail_json), prev, digest)

    def entries(self, since_seq: int = 0) -> Iterator[AuditEntry]:
        """Yield entries in chain order, starting after ``since_seq``."""
        cur = self._conn.execute(
            "SELECT seq, ts, actor, action, subject, detail, prev_hash, hash FROM audit"
            " WHERE seq > ? ORDER BY seq",
            (since_seq,),
        )
        for seq, ts, actor, action, subject, detail, prev, digest in cur:
            yield AuditEntry(seq, ts, actor, action, subject, json.loads(detail), prev, digest)

    def verify(self) -> ChainStatus:
        """Recompute every hash; report the first entry that does not verify."""
        prev = GENESIS_HASH
        count = 0
        expected_seq = 1
        checkpoint, signed = latest_checkpoint(self._conn)
        if checkpoint is not None:
            # Retention removed entries 1..through_seq; the rest chains from head_hash.
            if not signed:
                return ChainStatus(
                    False, 0, checkpoint.through_seq, "retention checkpoint signature is invalid"
                )
            prev = checkpoint.head_hash
            expected_seq = checkpoint.through_seq + 1
        cur = self._conn.execute(
            "SELECT seq, ts, actor, action, subject, detail, prev_hash, hash"
            " FROM audit WHERE seq >= ? ORDER BY seq",
            (expected_seq,),
        )
        for seq, ts, actor, action, subject, detail, prev_hash, digest in cur:
            count += 1
            if seq != expected_seq:
                return ChainStatus(False, count, seq, f"gap: expected seq {expected_seq}")
            if prev_hash != prev:
                return ChainStatus(False, count, seq, "prev_hash does not match previous entry")
            if _digest(prev, ts, actor, action, subject, detail) != digest:
                return ChainStatus(False, count, seq, "hash does not match entry content")
            prev = digest
            expected_seq += 1
        return ChainStatus(True, count)
