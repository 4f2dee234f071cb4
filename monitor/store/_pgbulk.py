"""Batched writes of the PostgreSQL adapter: many rows in one statement (``COPY`` or ``unnest``).

``executemany`` of ``INSERT INTO t (cols) VALUES (?, ...)`` runs as one ``COPY
... FROM STDIN`` (psycopg writes its rows in C); with ``ON CONFLICT ...`` the
rows are copied into a temporary table and go in with one ``INSERT ... SELECT
... ON CONFLICT`` (rows that repeat a conflict key: one binary array per column,
``INSERT ... SELECT * FROM unnest(...)``, per batch);
and of ``DELETE FROM t WHERE a = ? AND b = ?`` one ``DELETE ... WHERE (a, b)
IN (SELECT * FROM unnest(...))``: one round trip and one statement per
:data:`BATCH_ROWS` rows instead of one per row.
"""

from __future__ import annotations

import zlib
from operator import itemgetter
from typing import Any

import psycopg

from monitor.store._pgrows import CASTS, Counted, PgCursor, same
from monitor.store._pgsql import bulk_delete_plan, bulk_plan

__all__ = ["BATCH_ROWS", "bulk_delete", "bulk_insert", "run_many"]

#: Rows per bulk statement.
BATCH_ROWS = 2000
#: The Python type a column of each SQL type already has when no cast is needed.
_NATIVE: dict[str, set[type]] = {
    "double precision": {float},
    "bigint": {int},
    "integer": {int},
    "text": {str},
}
_TYPES: dict[tuple[str, str], dict[str, str]] = {}


def _columns(types: list[str], chunk: list[Any]) -> list[list[Any]]:
    """One list per column, each of one Python type (psycopg dumps a list by its items)."""
    out: list[list[Any]] = []
    for t, col in zip(types, zip(*chunk, strict=True), strict=True):
        cast = CASTS.get(t, same)
        kinds = set(map(type, col))
        kinds.discard(type(None))
        if cast is same or kinds <= _NATIVE.get(t, set()):
            out.append(list(col))  # already one type: no per-value call
        else:
            out.append([cast(v) for v in col])
    return out


def bulk_insert(
    cur: psycopg.Cursor[Any],
    query: str,
    plan: tuple[str, tuple[str, ...], str, tuple[int, ...] | None],
    types: list[str],
    rows: list[Any],
) -> PgCursor:
    """Insert ``rows`` for the single-row ``query`` (its ``_pgsql.bulk_plan``)."""
    table, cols, tail, key = plan
    if not tail.strip():
        return _copy(cur, table, cols, types, rows)
    if key is None or len(set(map(itemgetter(*key), rows))) == len(rows):
        return _staged(cur, plan, types, rows)
    arrays = ", ".join(f"%b::{t}[]" for t in types)
    stmt = f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM unnest({arrays}){tail}"  # noqa: S608 - names from our own SQL
    changed = 0
    for at in range(0, len(rows), BATCH_ROWS):
        chunk = rows[at : at + BATCH_ROWS]
        if key is not None and len(set(map(itemgetter(*key), chunk))) < len(chunk):
            cur.executemany(query, chunk)  # one statement may not update a row twice
        else:
            cur.execute(stmt, _columns(types, chunk))
        changed += max(cur.rowcount, 0)
    return Counted(changed)


def _copy(
    cur: psycopg.Cursor[Any], table: str, cols: tuple[str, ...], types: list[str], rows: list[Any]
) -> PgCursor:
    """A plain INSERT of many rows as ``COPY ... FROM STDIN`` (psycopg's C row writer)."""
    stmt = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
    with cur.copy(stmt) as copy:
        for at in range(0, len(rows), BATCH_ROWS):
            for row in zip(*_columns(types, rows[at : at + BATCH_ROWS]), strict=True):
                copy.write_row(row)
    return Counted(len(rows))  # COPY inserts every row or fails as a whole


def _staged(
    cur: psycopg.Cursor[Any],
    plan: tuple[str, tuple[str, ...], str, tuple[int, ...] | None],
    types: list[str],
    rows: list[Any],
) -> PgCursor:
    """An upsert of many rows: ``COPY`` into a session's temporary table, one INSERT from it.

    The table (``ON COMMIT DELETE ROWS``) is emptied first, so a second batch in
    the same transaction starts clean; it never holds rows past a transaction.
    """
    table, cols, tail, _ = plan
    names = ", ".join(cols)
    stage = f"lw_stage_{table}_{zlib.crc32(names.encode()):08x}"
    columns = ", ".join(f"{c} {t}" for c, t in zip(cols, types, strict=True))
    create = f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ({columns}) ON COMMIT DELETE ROWS"
    cur.execute(f"{create}; DELETE FROM {stage}")  # noqa: S608 - names from our own SQL
    _copy(cur, stage, cols, types, rows)
    cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage}{tail}")  # noqa: S608
    return Counted(max(cur.rowcount, 0))


def bulk_delete(
    cur: psycopg.Cursor[Any], plan: tuple[str, tuple[str, ...]], types: list[str], rows: list[Any]
) -> PgCursor:
    """Delete the rows matching each parameter set (``_pgsql.bulk_delete_plan``)."""
    table, cols = plan
    arrays = ", ".join(f"%b::{t}[]" for t in types)
    stmt = (
        f"DELETE FROM {table} WHERE ({', '.join(cols)}) IN"  # noqa: S608 - names from our SQL
        f" (SELECT * FROM unnest({arrays}))"
    )
    changed = 0
    for at in range(0, len(rows), BATCH_ROWS):
        cur.execute(stmt, _columns(types, rows[at : at + BATCH_ROWS]))
        changed += max(cur.rowcount, 0)
    return Counted(changed)


def run_many(cur: psycopg.Cursor[Any], url: str, query: str, rows: list[Any]) -> PgCursor:
    """``executemany`` of the (translated) ``query``: batched when it has a bulk form."""
    bulk = len(rows) > 1 and not isinstance(rows[0], dict)
    plan = bulk_plan(query) if bulk else None
    gone = bulk_delete_plan(query) if bulk and plan is None else None
    if gone is not None:
        return bulk_delete(cur, gone, _column_types(cur, url, *gone), rows)
    if plan is None:
        cur.executemany(query, rows)
        return PgCursor(cur)
    return bulk_insert(cur, query, plan, _column_types(cur, url, plan[0], plan[1]), rows)


def _column_types(
    cur: psycopg.Cursor[Any], url: str, table: str, cols: tuple[str, ...]
) -> list[str]:
    """The SQL type of each column (read once per database and table)."""
    known = _TYPES.get((url, table))
    if known is None:
        rows = cur.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (table,),
        )
        known = {str(r[0]): str(r[1]) for r in rows.fetchall()}
        _TYPES[(url, table)] = known
    return [known[c] for c in cols]
