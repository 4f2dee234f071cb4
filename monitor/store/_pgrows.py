"""Rows, cursors, errors and parameter casts of the PostgreSQL adapter (``_postgres``).

Rows are addressable by index and by column name like ``sqlite3.Row``;
``numeric`` results (``SUM`` of integers) come back as ``int``/``float``;
psycopg errors become subclasses of the ``sqlite3`` exceptions callers catch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import psycopg.errors

__all__ = [
    "CASTS",
    "Counted",
    "PgCursor",
    "PgDatabaseError",
    "PgIntegrityError",
    "PgOperationalError",
    "Row",
    "describe_url",
    "params_of",
    "revealing_row_factory",
    "row_factory",
    "same",
    "wrap",
]


def same(value: Any) -> Any:
    return value


def _to_float(value: Any) -> Any:
    return None if value is None else float(value)


def _to_int(value: Any) -> Any:
    return None if value is None else int(value)


def _to_text(value: Any) -> Any:
    return None if value is None else str(value)


# One array per column must hold one Python type (psycopg dumps a list by its items).
CASTS = {"double precision": _to_float, "bigint": _to_int, "integer": _to_int, "text": _to_text}


class PgIntegrityError(sqlite3.IntegrityError):
    """A PostgreSQL integrity error (unique, foreign key, not null)."""


class PgOperationalError(sqlite3.OperationalError):
    """A PostgreSQL connection or server error (retryable once the server is back)."""


class PgDatabaseError(sqlite3.DatabaseError):
    """Any other PostgreSQL error (bad SQL, bad data)."""


def describe_url(url: str) -> str:
    """``host:port/database`` of a URL: for messages (never the user's password)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    db = unquote(parts.path.lstrip("/")) or (parts.username or "postgres")
    return f"host {host}:{port}, database {db}"


def wrap(exc: psycopg.Error, where: str) -> sqlite3.Error:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    msg = f"PostgreSQL store ({where}): {exc.__class__.__name__}: {text}"
    if isinstance(exc, psycopg.errors.IntegrityError):
        return PgIntegrityError(msg)
    if isinstance(exc, psycopg.OperationalError | psycopg.errors.AdminShutdown):
        return PgOperationalError(msg)
    return PgDatabaseError(msg)


class Row(tuple[Any, ...]):
    """A result row by index or by column name, like ``sqlite3.Row``."""

    _names: tuple[str, ...]

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            try:
                return tuple.__getitem__(self, self._names.index(item))
            except ValueError:
                raise IndexError(f"no such column: {item}") from None
        return tuple.__getitem__(self, item)

    def keys(self) -> list[str]:
        """Column names, as ``sqlite3.Row.keys()``."""
        return list(self._names)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def row_factory(cursor: Any) -> Any:
    names = tuple(d.name for d in cursor.description or ())

    def make(values: Sequence[Any]) -> Row:
        row = Row(_plain(v) for v in values)
        row._names = names
        return row

    return make


def revealing_row_factory(reveal: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A row factory that also decrypts every value ``reveal`` recognises (``_pgcrypt``)."""

    def factory(cursor: Any) -> Any:
        names = tuple(d.name for d in cursor.description or ())

        def make(values: Sequence[Any]) -> Row:
            row = Row(reveal(_plain(v)) for v in values)
            row._names = names
            return row

        return make

    return factory


def params_of(params: Any) -> Any:
    """Parameters as psycopg takes them: a tuple or dict, ``bool`` as ``int`` (as SQLite)."""
    if params is None:
        return ()
    if type(params) is tuple and bool not in map(type, params):
        return params  # the common case: no copy, no per-value Python work
    if isinstance(params, Mapping):
        return {k: int(v) if isinstance(v, bool) else v for k, v in params.items()}
    return tuple(int(v) if isinstance(v, bool) else v for v in params)


class PgCursor:
    """The cursor surface callers use: fetchone/fetchall/iteration/rowcount/description."""

    def __init__(self, cur: psycopg.Cursor[Any] | None, rows: list[Any] | None = None) -> None:
        self._cur = cur
        self._rows = rows

    @property
    def rowcount(self) -> int:
        """Rows changed by the statement (-1 when unknown)."""
        return self._cur.rowcount if self._cur is not None else -1

    @property
    def description(self) -> Any:
        """Column descriptions; ``d[0]`` is the name."""
        return self._cur.description if self._cur is not None else None

    def fetchone(self) -> Any:
        """The next row, or ``None``."""
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        if self._cur is None or self._cur.description is None:
            return None
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        if self._cur is None or self._cur.description is None:
            return []
        return self._cur.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def close(self) -> None:
        """Close the underlying cursor."""
        if self._cur is not None:
            self._cur.close()


class Counted(PgCursor):
    """The result of a batched ``executemany``: only ``rowcount`` is meaningful."""

    def __init__(self, changed: int) -> None:
        super().__init__(None, [])
        self._changed = changed

    @property
    def rowcount(self) -> int:
        """Rows inserted or updated over every batch."""
        return self._changed
