"""The PostgreSQL backend (``postgresql://...``): psycopg 3 with a psycopg_pool pool.

:func:`_pgopen.open_postgres` returns a :class:`PgConnection`, a thin adapter with the
DB-API surface of ``sqlite3.Connection`` that the store's callers use
(``execute``/``executemany``/``executescript``, cursors with ``fetchone``,
``fetchall``, iteration, ``rowcount`` and ``description``, rows by index and by
name, ``commit``/``rollback``/``in_transaction``, the connection as a context
manager). It is the nearest real thing to one SQL dialect for both backends:
statements are rewritten by ``_pgsql.translate`` (cached) and run on a pooled
psycopg connection (``_pgpool``); ``executemany`` batches rows (``_pgbulk``).

Transactions follow SQLite's rules, fleet-wide: like Python's ``sqlite3`` a
transaction begins implicitly before the first INSERT/UPDATE/DELETE (or on
``BEGIN``), and every write transaction first takes one transaction-scoped
advisory lock (:data:`WRITE_LOCK`), as SQLite takes its single write lock. So a
read-modify-write inside a transaction (the revocation cap, the audit chain
head, one-revocation-per-account) is serialised across every instance sharing
the database, never a read followed by an unguarded write. Reads run outside
transactions (autocommit, read committed) and never block.

Personal fields are encrypted on the client (issue 14): each statement's
parameters bound for a personal column are encrypted with deterministic
AES-256-SIV under the store key before they are sent, and every value read
back is decrypted by the row factory (``_pgcrypt``, ``_pgplan``, ``_pgkeys``).

psycopg errors are re-raised as subclasses of the ``sqlite3`` exceptions the
callers catch (``IntegrityError``, ``OperationalError``, ``DatabaseError``),
with messages that never include the password.

Outages: when the server goes away, a statement outside a transaction, or the
``BEGIN`` of a new one, waits for it (a warning naming host and database, then
retries with backoff for up to ``$LOGWARD_STORE_OUTAGE_S``, default 600 s), so
the caller, and the consumption it drives, pauses and resumes where it was.
A connection lost *inside* a transaction is replayed on a new connection when
the transaction so far holds only idempotent writes (deletes, upserts that
assign, ``ON CONFLICT DO NOTHING``: window state, offsets, meta), which is
safe even if the lost COMMIT had in fact succeeded. Any other transaction
(one that read, or appended events or incremented counters) cannot be
replayed safely: that raises ``OperationalError``, the transaction is lost as
a whole, and the caller's error path runs (the monitor stops with an error
and resumes from its last checkpoint).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
import psycopg.errors
from psycopg.pq import TransactionStatus

from monitor.store._migrations import WRITE_LOCK
from monitor.store._pgbulk import run_many
from monitor.store._pgcrypt import FieldCipher
from monitor.store._pgplan import Plan, bind, bind_many, plan
from monitor.store._pgpool import CONNECT_TIMEOUT, pool
from monitor.store._pgrows import (
    PgCursor,
    PgDatabaseError,
    PgOperationalError,
    Row,
    describe_url,
    params_of,
    revealing_row_factory,
    row_factory,
    wrap,
)
from monitor.store._pgsql import is_idempotent, translate, translate_ddl

__all__ = ["PgConnection"]

log = logging.getLogger("monitor.store")

_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_OUTAGE_ENV = "LOGWARD_STORE_OUTAGE_S"


class PgConnection:
    """A pooled PostgreSQL connection with the ``sqlite3.Connection`` surface (see module)."""

    def __init__(
        self,
        url: str,
        data_dir: Path | None,
        *,
        readonly: bool = False,
        cipher: FieldCipher | None = None,
    ) -> None:
        self.url = url
        self.cipher = cipher
        self._rows = revealing_row_factory(cipher.reveal) if cipher is not None else row_factory
        self.where = describe_url(url)
        self.data_dir = data_dir
        self.readonly = readonly
        self.row_factory: Any = None  # accepted and ignored: rows are always by name and index
        self._pool = pool(url)
        self._raw: psycopg.Connection[Any] | None = None
        self._closed = False
        # Statements of the open transaction while it is replayable (see _in_tx), else None.
        self._txlog: list[tuple[str, str, Any]] | None = None
        self._tx_open = False

    # -- connection management ---------------------------------------------------------------

    def _conn(self) -> psycopg.Connection[Any]:
        raw = self._raw
        if raw is not None and (raw.closed or raw.broken):
            self._release(raw)
            raw = self._raw = None
        if raw is None:
            if self._closed:
                raise PgDatabaseError(f"PostgreSQL store ({self.where}): connection closed")
            try:
                raw = self._pool.getconn(timeout=CONNECT_TIMEOUT)
            except Exception as exc:  # PoolTimeout: the server is unreachable
                raise PgOperationalError(
                    f"PostgreSQL store ({self.where}): cannot connect: {exc.__class__.__name__}"
                ) from None
            raw.row_factory = self._rows
            self._raw = raw
        return raw

    def _release(self, raw: psycopg.Connection[Any]) -> None:
        try:
            self._pool.putconn(raw)
        except Exception:
            log.debug("dropping a broken store connection")

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction (as ``sqlite3.Connection.in_transaction``)."""
        return self._tx_open

    def _begin(self) -> None:
        self._txlog = []

        def begin() -> None:
            raw = self._conn()
            raw.execute("BEGIN")
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))

        self._outside_tx(begin)
        self._tx_open = True

    def _outside_tx(self, action: Any) -> Any:
        """Run ``action`` (nothing done yet in a transaction); wait out a lost server."""
        deadline = None
        delay = 0.2
        while True:
            try:
                return action()
            except (psycopg.OperationalError, PgOperationalError) as exc:
                raw = self._raw
                lost = raw is None or raw.closed or raw.broken
                if not lost:
                    raise
                if raw is not None:
                    self._release(raw)
                    self._raw = None
                now = time.monotonic()
                if deadline is None:
                    deadline = now + float(os.environ.get(_OUTAGE_ENV, "600"))
                    log.warning("store %s unreachable: waiting for it", self.where)
                if now >= deadline:
                    if isinstance(exc, psycopg.Error):
                        raise wrap(exc, self.where) from None
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def commit(self) -> None:
        """Commit the open transaction, if any (replayed first if it was lost and may be).

        Raises:
            PgOperationalError: the connection was lost inside a transaction that
                cannot be replayed; nothing of it was committed.
        """
        if not self._tx_open:
            return
        if self._lost():
            if self._txlog is None:
                self._tx_open = False
                raise PgOperationalError(
                    f"PostgreSQL store ({self.where}): connection lost; the transaction was"
                    " rolled back"
                )
            try:
                self._recover()
            except psycopg.Error as exc:
                raise wrap(exc, self.where) from None
        try:
            self._in_tx(("one", "COMMIT", None), self._commit_now, True)
        finally:  # committed, or lost for good: either way the transaction is over
            self._txlog = None
            self._tx_open = False

    def _commit_now(self) -> PgCursor:
        self._conn().execute("COMMIT")
        return PgCursor(None, [])

    def rollback(self) -> None:
        """Roll back the open transaction, if any (a broken connection is dropped)."""
        self._txlog = None
        self._tx_open = False
        raw = self._raw
        if raw is None or raw.closed:
            return
        if raw.broken:
            self._release(raw)
            self._raw = None
            return
        if raw.info.transaction_status != TransactionStatus.IDLE:
            try:
                raw.execute("ROLLBACK")
            except psycopg.Error as exc:
                raise wrap(exc, self.where) from None

    def close(self) -> None:
        """Roll back anything open and give the connection back to the pool."""
        raw, self._raw = self._raw, None
        self._closed = True
        self._tx_open = False
        self._txlog = None
        if raw is not None and not raw.closed:
            if not raw.broken and raw.info.transaction_status != TransactionStatus.IDLE:
                try:
                    raw.execute("ROLLBACK")
                except psycopg.Error:
                    log.debug("rollback on close failed")
            self._release(raw)

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    # -- statements --------------------------------------------------------------------------

    def _special(self, head: str, sql: str) -> PgCursor | None:
        if head == "BEGIN":
            if not self.in_transaction:
                self._begin()
            return PgCursor(None, [])
        if head in ("COMMIT", "END"):
            self.commit()
            return PgCursor(None, [])
        if head == "ROLLBACK":
            self.rollback()
            return PgCursor(None, [])
        if head == "PRAGMA":
            if "database_list" in sql and self.data_dir is not None:
                row = Row((0, "main", str(self.data_dir / "monitor.db")))
                row._names = ("seq", "name", "file")
                return PgCursor(None, [row])
            return PgCursor(None, [])
        if head == "VACUUM":  # autovacuum reclaims space on PostgreSQL
            return PgCursor(None, [])
        return None

    def execute(self, sql: str, params: Any = None) -> PgCursor:
        """Run one statement (SQLite dialect, see ``_pgsql``) and return a cursor."""
        head = sql.lstrip()[:10].split(None, 1)[0].upper() if sql.strip() else ""
        special = self._special(head, sql)
        if special is not None:
            return special
        query, args = translate(sql), params_of(params)
        how: Plan | None = None
        if self.cipher is not None:
            how = plan(query)
            query, args = how.query, self._bind(how, args)

        def run() -> PgCursor:
            cur = self._conn().cursor()
            cur.execute(query, args)
            if how is not None and how.order is not None and cur.description is not None:
                return PgCursor(cur, self._sorted(how, cur))
            return PgCursor(cur)

        if head in _DML and not self.in_transaction:
            self._begin()
        if not self.in_transaction:
            try:
                result: PgCursor = self._outside_tx(run)
            except psycopg.Error as exc:
                raise wrap(exc, self.where) from None
            return result
        return self._in_tx(("one", sql, params), run, is_idempotent(query))

    def executemany(self, sql: str, seq: Iterable[Any]) -> PgCursor:
        """Run one statement for each parameter set, batched.

        A plain ``INSERT ... VALUES (...)`` runs as ``unnest`` INSERTs of up to
        :data:`_BATCH_ROWS` rows (one array per column), a ``DELETE ... WHERE
        a = ? AND b = ?`` as one ``unnest`` DELETE; anything else runs in
        psycopg's pipeline mode.
        """
        rows = [params_of(p) for p in seq]
        if not rows:
            return PgCursor(None, [])
        if not self.in_transaction:
            self._begin()
        query, sent = translate(sql), rows
        if self.cipher is not None:
            how = plan(query)
            query = how.query
            sent = bind_many(self.cipher, how, rows)
        # The log keeps the caller's rows: a replay encrypts them again, once.
        return self._in_tx(
            ("many", sql, rows), lambda: self._many(query, sent), is_idempotent(query)
        )

    def _bind(self, how: Plan, args: Any) -> Any:
        return args if self.cipher is None else bind(self.cipher, how, args)

    @staticmethod
    def _sorted(how: Plan, cur: psycopg.Cursor[Any]) -> list[Any]:
        """The rows in the plaintext order of ``how.order`` (decrypted by the row factory)."""
        names = [d.name for d in cur.description or ()]
        rows = cur.fetchall()
        if how.order not in names:
            return rows
        at = names.index(how.order)
        return sorted(rows, key=lambda r: (r[at] is None, str(r[at] or "")), reverse=how.descending)

    def _in_tx(self, entry: tuple[str, str, Any], action: Any, idempotent: bool) -> PgCursor:
        """Run ``action`` inside the open transaction; replay it if the server was lost.

        A transaction of idempotent writes only (deletes, ``ON CONFLICT DO
        NOTHING``, upserts that assign) is logged; if the connection is lost
        before it commits, it is replayed on a new one once the server is back.
        """
        try:
            try:
                result: PgCursor = action()
            except psycopg.OperationalError:
                if self._txlog is None or not self._lost():
                    raise
                self._recover()
                result = action()
        except psycopg.Error as exc:
            raise wrap(exc, self.where) from None
        if self._txlog is not None:
            if idempotent:
                self._txlog.append(entry)
            else:
                self._txlog = None
        return result

    def _lost(self) -> bool:
        raw = self._raw
        return raw is None or raw.closed or raw.broken

    def _recover(self) -> None:
        """Wait for the server, then replay the logged (idempotent) transaction."""
        entries = list(self._txlog or [])
        if self._raw is not None:
            self._release(self._raw)
            self._raw = None
        self._begin()
        for kind, sql, params in entries:
            if kind == "one":
                self.execute(sql, params)
            else:
                self.executemany(sql, params)

    def _many(self, query: str, rows: list[Any]) -> PgCursor:
        return run_many(self._conn().cursor(), self.url, query, rows)

    def executescript(self, script: str) -> PgCursor:
        """Run a DDL script (SQLite types mapped) in one transaction under the write lock."""
        self.commit()
        try:
            raw = self._conn()
            with raw.transaction():
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                for statement in translate_ddl(script):
                    raw.execute(statement)
        except psycopg.Error as exc:
            raise wrap(exc, self.where) from None
        return PgCursor(None, [])
