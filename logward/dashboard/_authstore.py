"""Server-side sign-in state: sessions, TOTP replay guard, failed attempts, block windows.

Everything here must agree across logout, restarts and several dashboard
instances, so it lives in the store, never in process memory. :class:`AuthStore`
is the small interface the sign-in flow needs; :class:`SqliteAuthStore` is the
embedded implementation (its tables are created on first use, beside the
monitor's). A PostgreSQL store implements the same methods.

Session ids are kept only as SHA-256 digests: whoever reads the store cannot
turn a row back into a working cookie.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from monitor import DASHBOARD_TABLES, open_store

__all__ = ["AuthStore", "SqliteAuthStore", "StoredSession"]


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class StoredSession(Protocol):
    """A session row: who, how far through sign-in, when issued."""

    user: str
    stage: str
    issued: float


class _Row:
    __slots__ = ("issued", "stage", "user")

    def __init__(self, user: str, stage: str, issued: float) -> None:
        self.user, self.stage, self.issued = user, stage, issued


class AuthStore(Protocol):
    """What the sign-in flow needs from a store."""

    def session_put(self, sid: str, user: str, stage: str, issued: float, expires: float) -> None:
        """Record a signed-in (or half signed-in) session."""

    def session_get(self, sid: str, now: float) -> StoredSession | None:
        """The live session with id ``sid``, or ``None`` (unknown, ended or expired)."""

    def session_delete(self, sid: str) -> None:
        """End a session (logout, or replaced at the next sign-in step)."""

    def totp_claim_step(self, user: str, step: int) -> bool:
        """Atomically raise ``user``'s last used time-step to ``step``; ``False`` if not newer."""

    def totp_last_step(self, user: str) -> int:
        """The last time-step accepted for ``user`` (0 if none)."""

    def recovery_used(self, user: str) -> set[str]:
        """Hashes of ``user``'s recovery codes already used."""

    def recovery_claim(self, user: str, code_hash: str) -> bool:
        """Mark a recovery code used; ``False`` if it already was."""

    def failure_add(self, keys: list[tuple[str, str]], ts: float) -> None:
        """Record one failed attempt under each ``(scope, key)``."""

    def failures(self, scope: str, key: str, since: float) -> list[float]:
        """Times of failures under ``(scope, key)`` after ``since``, oldest first."""

    def failures_clear(self, scope: str, key: str) -> None:
        """Forget the failures under ``(scope, key)``."""

    def prune(self, before: float) -> None:
        """Drop failure records older than ``before``."""

    def blocked(self, bucket: int) -> tuple[bool, int]:
        """Count one blocked attempt in window ``bucket``.

        Returns:
            ``(first, previous)``: whether it is the window's first, and how many
            attempts the latest earlier window held (for its summary).
        """


class SqliteAuthStore:
    """:class:`AuthStore` on the embedded SQLite store in ``data_dir``.

    One connection per thread (``sqlite3`` connections are not shared safely).
    """

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self._dir = Path(data_dir)
        self._local = threading.local()
        self._conn().executescript(DASHBOARD_TABLES)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_store(self._dir)
            self._local.conn = conn
        return conn

    def session_put(self, sid: str, user: str, stage: str, issued: float, expires: float) -> None:
        """See :class:`AuthStore`; also drops expired rows."""
        with self._conn() as conn:
            conn.execute("DELETE FROM dashboard_sessions WHERE expires < ?", (issued,))
            conn.execute(
                "INSERT OR REPLACE INTO dashboard_sessions VALUES (?,?,?,?,?)",
                (_digest(sid), user, stage, issued, expires),
            )

    def session_get(self, sid: str, now: float) -> StoredSession | None:
        """See :class:`AuthStore`."""
        row = (
            self._conn()
            .execute(
                "SELECT user_name, stage, issued FROM dashboard_sessions"
                " WHERE sid_hash = ? AND expires > ?",
                (_digest(sid), now),
            )
            .fetchone()
        )
        return None if row is None else _Row(str(row[0]), str(row[1]), float(row[2]))

    def session_delete(self, sid: str) -> None:
        """See :class:`AuthStore`."""
        with self._conn() as conn:
            conn.execute("DELETE FROM dashboard_sessions WHERE sid_hash = ?", (_digest(sid),))

    def _ensure_totp(self, conn: sqlite3.Connection, user: str) -> None:
        conn.execute("INSERT OR IGNORE INTO dashboard_totp_state (user_name) VALUES (?)", (user,))

    def totp_claim_step(self, user: str, step: int) -> bool:
        """See :class:`AuthStore`."""
        with self._conn() as conn:
            self._ensure_totp(conn, user)
            cursor = conn.execute(
                "UPDATE dashboard_totp_state SET last_step = ?"
                " WHERE user_name = ? AND last_step < ?",
                (step, user, step),
            )
            return cursor.rowcount == 1

    def totp_last_step(self, user: str) -> int:
        """See :class:`AuthStore`."""
        row = (
            self._conn()
            .execute("SELECT last_step FROM dashboard_totp_state WHERE user_name = ?", (user,))
            .fetchone()
        )
        return int(row[0]) if row is not None else 0

    def recovery_used(self, user: str) -> set[str]:
        """See :class:`AuthStore`."""
        row = (
            self._conn()
            .execute("SELECT used_recovery FROM dashboard_totp_state WHERE user_name = ?", (user,))
            .fetchone()
        )
        return set(json.loads(row[0])) if row is not None else set()

    def recovery_claim(self, user: str, code_hash: str) -> bool:
        """See :class:`AuthStore`."""
        conn = self._conn()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            self._ensure_totp(conn, user)
            used = set(self.recovery_used(user))
            if code_hash in used:
                return False
            used.add(code_hash)
            conn.execute(
                "UPDATE dashboard_totp_state SET used_recovery = ? WHERE user_name = ?",
                (json.dumps(sorted(used)), user),
            )
            return True

    def failure_add(self, keys: list[tuple[str, str]], ts: float) -> None:
        """See :class:`AuthStore`."""
        with self._conn() as conn:
            conn.executemany(
                "INSERT INTO dashboard_login_failures (scope, key, ts) VALUES (?, ?, ?)",
                [(scope, key, ts) for scope, key in keys],
            )

    def failures(self, scope: str, key: str, since: float) -> list[float]:
        """See :class:`AuthStore`."""
        rows = (
            self._conn()
            .execute(
                "SELECT ts FROM dashboard_login_failures WHERE scope = ? AND key = ? AND ts > ?"
                " ORDER BY ts LIMIT 1000",
                (scope, key, since),
            )
            .fetchall()
        )
        return [float(r[0]) for r in rows]

    def failures_clear(self, scope: str, key: str) -> None:
        """See :class:`AuthStore`."""
        with self._conn() as conn:
            conn.execute(
                "DELETE FROM dashboard_login_failures WHERE scope = ? AND key = ?", (scope, key)
            )

    def prune(self, before: float) -> None:
        """See :class:`AuthStore`."""
        with self._conn() as conn:
            conn.execute("DELETE FROM dashboard_login_failures WHERE ts < ?", (before,))

    def blocked(self, bucket: int) -> tuple[bool, int]:
        """See :class:`AuthStore`."""
        conn = self._conn()
        with conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO dashboard_blocked (bucket, attempts) VALUES (?, 1)",
                (bucket,),
            )
            if cursor.rowcount == 1:
                row = conn.execute(
                    "SELECT attempts FROM dashboard_blocked WHERE bucket < ?"
                    " ORDER BY bucket DESC LIMIT 1",
                    (bucket,),
                ).fetchone()
                return True, int(row[0]) if row is not None else 0
            conn.execute(
                "UPDATE dashboard_blocked SET attempts = attempts + 1 WHERE bucket = ?", (bucket,)
            )
            return False, 0
