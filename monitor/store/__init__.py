"""Store backends, chosen by URL scheme: SQLite/SQLCipher (embedded default) or PostgreSQL.

Shaped as quix-streams shapes its state backends: a :class:`Store` protocol, one
module per backend in this subpackage, and a registry keyed by URL scheme.

Choosing a store
    ``--store URL`` on every command that reads or writes the store, else
    ``$LOGWARD_STORE``, else the SQLite file ``monitor.db`` under ``--data-dir``.
    ``sqlite:///path/to/dir-or-file`` or a plain path means SQLite;
    ``postgresql://user@host:port/db`` (or ``postgres://``) means PostgreSQL
    (psycopg 3, a psycopg_pool pool; the password may come from ``$PGPASSWORD``
    or ``~/.pgpass``, as libpq reads them). ``--data-dir`` keeps its meaning for
    files (deny-list, checkpoints, keys, logs).

The protocol callers see
    :func:`open_url` (and ``monitor.open_store``, which calls it) returns a
    :class:`StoreConnection`: the DB-API surface of ``sqlite3.Connection``
    that the monitor, dashboard, report and demo use. Write SQL in the SQLite
    dialect restricted to what ``monitor.store._pgsql`` translates (``?`` or
    ``:name`` placeholders, ``INSERT OR IGNORE/REPLACE``, ``ON CONFLICT (...)
    DO UPDATE``, ``instr``, one-level ``json_extract``); rows are addressable by
    index and by column name; catch ``monitor.STORE_ERRORS``.

Encryption at rest
    SQLite: the whole file (SQLCipher). PostgreSQL: every personal column's
    values, on the client, with deterministic AES-256-SIV under the same store
    key (``_pgcrypt``; :data:`PERSONAL` lists the columns). Callers keep their
    SQL: equality, ``IN``, ``GROUP BY`` and joins work on ciphertext; a
    substring ``LIKE`` on a personal column becomes an exact match, and a new
    personal column must be added to :data:`PERSONAL`.

Transactions (both backends)
    A transaction begins at ``BEGIN [IMMEDIATE]`` or before the first write and
    ends at ``commit()``/``rollback()``. Write transactions are serialised
    across every process sharing the store: SQLite's write lock, and on
    PostgreSQL one transaction-scoped advisory lock. Do read-modify-write
    (counters, offsets, chain heads) inside ``BEGIN IMMEDIATE`` ... ``commit()``.

Schema
    SQLite: ``monitor._schema.SCHEMA`` (``CREATE ... IF NOT EXISTS`` at open).
    PostgreSQL: versioned steps in ``monitor.store._migrations`` (append one per
    change), applied at open under ``pg_advisory_lock`` so concurrent starts are safe.
    A new table (e.g. per-partition window state and offsets) is added to both.

Example (per-partition state committed with its offset, on either backend)::

    conn = open_store(data_dir)                  # honours --store / $LOGWARD_STORE
    conn.execute("BEGIN IMMEDIATE")              # fleet-wide write lock
    conn.executemany("INSERT INTO window_state (rule, key, state, updated) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT (rule, key) DO UPDATE SET state = excluded.state,"
                     " updated = excluded.updated", rows)
    conn.execute("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE"
                 " SET v = excluded.v", ("offset:topic:3", "1234"))
    conn.commit()

A transaction made only of such idempotent writes is replayed by the
PostgreSQL backend if the server is lost before it commits.

Adding a backend: a module with a :class:`Store` and one :func:`register` call.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from logward_base.errors import ConfigError
from monitor.store._authtables import DASHBOARD_TABLES
from monitor.store._migrations import ENCRYPTED_VERSION, MIGRATIONS
from monitor.store._pgcrypt import PERSONAL, FieldCipher
from monitor.store._pgplan import plan as encryption_plan
from monitor.store._pgsql import translate as translate_sql

__all__ = [
    "DASHBOARD_TABLES",
    "ENCRYPTED_VERSION",
    "MIGRATIONS",
    "PERSONAL",
    "STORE_ENV",
    "FieldCipher",
    "Store",
    "StoreConnection",
    "StoreCursor",
    "backend_for",
    "close_pools",
    "describe",
    "encryption_plan",
    "is_postgres",
    "open_url",
    "register",
    "resolve_url",
    "translate_sql",
]

STORE_ENV = "LOGWARD_STORE"


class StoreCursor(Protocol):
    """What a statement returns."""

    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class StoreConnection(Protocol):
    """The DB-API surface of a store connection (``sqlite3.Connection``'s subset)."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, seq: Iterable[Any], /) -> Any: ...

    def executescript(self, script: str, /) -> Any: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


class Store(Protocol):
    """A backend: opens connections for URLs of its schemes."""

    schemes: tuple[str, ...]

    def open(
        self,
        url: str,
        data_dir: str | os.PathLike[str] | None,
        *,
        readonly: bool,
        key_file: str | os.PathLike[str] | None,
    ) -> Any:
        """Open (creating and migrating unless ``readonly``) and return a StoreConnection."""
        ...

    def describe(self, url: str) -> str:
        """Where the store is, for messages (never a password)."""
        ...


_REGISTRY: dict[str, Store] = {}


def register(store: Store) -> None:
    """Make ``store`` the backend for its URL schemes."""
    for scheme in store.schemes:
        _REGISTRY[scheme] = store


def resolve_url(store: str | None) -> str | None:
    """``--store`` if given, else ``$LOGWARD_STORE``, else ``None`` (SQLite under --data-dir)."""
    return store if store else os.environ.get(STORE_ENV) or None


def _scheme(url: str) -> str:
    if "://" not in url:
        return "sqlite"  # a plain path
    return urlsplit(url).scheme.lower()


def backend_for(url: str | None) -> Store:
    """The backend for ``url`` (``None``: SQLite).

    Raises:
        ConfigError: no backend handles the URL's scheme.
    """
    _load_builtin()
    scheme = "sqlite" if url is None else _scheme(url)
    backend = _REGISTRY.get(scheme)
    if backend is None:
        known = ", ".join(sorted(s + "://" for s in _REGISTRY))
        raise ConfigError(f"--store: unknown store scheme {scheme!r} (known: {known})")
    return backend


def is_postgres(url: str | None) -> bool:
    """True when ``url`` names a PostgreSQL store."""
    return url is not None and _scheme(url) in ("postgresql", "postgres")


def describe(url: str | None) -> str:
    """A printable location for ``url`` (no password)."""
    return backend_for(url).describe(url or "")


def open_url(
    url: str | None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    readonly: bool = False,
    key_file: str | os.PathLike[str] | None = None,
) -> Any:
    """Open the store ``url`` names (``None``: the SQLite file under ``data_dir``)."""
    return backend_for(url).open(url or "", data_dir, readonly=readonly, key_file=key_file)


def close_pools() -> None:
    """Close every PostgreSQL connection pool this process opened (tests, benchmarks).

    Process exit closes them otherwise. psycopg is not imported when no
    ``postgresql://`` store was opened (then there is no pool to close).
    """
    pools = sys.modules.get("monitor.store._pgpool")
    if pools is not None:
        pools.close_pools()


def _load_builtin() -> None:
    if _REGISTRY:
        return
    from monitor.store import _sqlite

    register(_sqlite.SqliteStore())
    register(_PostgresLazy())


class _PostgresLazy:
    """Imports psycopg only when a ``postgresql://`` URL is opened."""

    schemes: tuple[str, ...] = ("postgresql", "postgres")

    def open(
        self,
        url: str,
        data_dir: str | os.PathLike[str] | None,
        *,
        readonly: bool,
        key_file: str | os.PathLike[str] | None,
    ) -> Any:
        try:
            from monitor.store._pgopen import open_postgres
        except ImportError as exc:
            raise ConfigError(
                f"--store {self.describe(url)}: the PostgreSQL store needs psycopg "
                "(pip install 'logward[postgres]')"
            ) from exc
        from logward_base.paths import data_dir as resolve_data_dir

        return open_postgres(
            url, Path(resolve_data_dir(data_dir)), readonly=readonly, key_file=key_file
        )

    def describe(self, url: str) -> str:
        parts = urlsplit(url)
        db = parts.path.lstrip("/") or (parts.username or "postgres")
        return (
            f"postgresql host {parts.hostname or 'localhost'}:{parts.port or 5432}, database {db}"
        )
