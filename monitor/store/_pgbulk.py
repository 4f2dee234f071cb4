"""Batched writes of the PostgreSQL adapter: many rows in one ``unnest`` statement.

``executemany`` of ``INSERT INTO t (cols) VALUES (?, ...) [ON CONFLICT ...]``
sends one binary array per column (``INSERT ... SELECT * FROM unnest(...)``),
and of ``DELETE FROM t WHERE a = ? AND b = ?`` one ``DELETE ... WHERE (a, b)
IN (SELECT * FROM unnest(...))``: one round trip and one statement per
:data:`BATCH_ROWS` rows instead of one per row.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import psycopg

from monitor.store._pgrows import CASTS, Counted, PgCursor, same

__all__ = ["BATCH_ROWS", "bulk_delete", "bulk_insert"]

#: Rows per bulk statement.
BATCH_ROWS = 2000
#: The Python type a column of each SQL type already has when no cast is needed.
_NATIVE: dict[str, set[type]] = {
    "double precision": {float},
    "bigint": {int},
    "integer": {int},
    "text": {str},
}


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
