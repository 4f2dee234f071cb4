"""Sortable, paginated lists over the store: alerts, events, audit entries.

Every filter is a bound parameter and every sort column comes from a fixed
whitelist, so nothing a user types is ever spliced into SQL. Sorts map onto
the store's indexes so pages stay fast at a million events.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ALERT_SORTS",
    "AUDIT_SORTS",
    "EVENT_SORTS",
    "ListPage",
    "alert_list",
    "audit_export_rows",
    "audit_list",
    "distinct_values",
    "event_list",
    "like_escape",
]

# Public sort name -> SQL ORDER BY terms (ascending form).
ALERT_SORTS: Mapping[str, str] = {
    "created": "created_at",
    "rule": "rule, created_at",
    "severity": (
        "CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2"
        " WHEN 'low' THEN 1 ELSE 0 END, created_at"
    ),
    "count": "count, created_at",
    "key": "key_text, created_at",
    "status": "status, created_at",
    "last_seen": "last_seen",
}
EVENT_SORTS: Mapping[str, str] = {
    "ts": "ts",
    "user": "user_name, ts",
    "ip": "source_ip, ts",
}
AUDIT_SORTS: Mapping[str, str] = {"seq": "seq"}

MAX_OFFSET_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of a list: rows plus what the template needs to page and sort."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    sort: str
    order: str
    filters: Mapping[str, Any] = field(default_factory=dict)


def like_escape(text: str) -> str:
    """Escape ``%``, ``_`` and ``\\`` for a ``LIKE ... ESCAPE '\\'`` pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order_sql(sorts: Mapping[str, str], sort: str, order: str) -> str:
    direction = "DESC" if order == "desc" else "ASC"
    terms = [t.strip() for t in sorts[sort].split(",")]
    rendered = []
    for term in terms:
        rendered.append(f"{term} {direction}")
    return ", ".join(rendered)


def _equals(where: list[str], params: list[Any], pairs: Sequence[tuple[str, Any]]) -> None:
    """Add ``column = ?`` for each given (non-empty) filter value."""
    for column, value in pairs:
        if value is not None and value != "":
            where.append(f"{column} = ?")
            params.append(value)


def _between(
    where: list[str], params: list[Any], column: str, since: float | None, until: float | None
) -> None:
    """Add the time bounds that are given."""
    if since is not None:
        where.append(f"{column} >= ?")
        params.append(since)
    if until is not None:
        where.append(f"{column} <= ?")
        params.append(until)


def _page(
    conn: sqlite3.Connection,
    table: str,
    where: Sequence[str],
    params: Sequence[Any],
    order_sql: str,
    columns: str,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int, int, int]:
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = int(conn.execute(f"SELECT COUNT(*) FROM {table}{clause}", params).fetchone()[0])  # noqa: S608 - fixed table and whitelisted clauses
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    offset = min((page - 1) * page_size, MAX_OFFSET_ROWS)
    sql = f"SELECT {columns} FROM {table}{clause} ORDER BY {order_sql} LIMIT ? OFFSET ?"  # noqa: S608 - whitelisted
    rows = [dict(r) for r in conn.execute(sql, [*params, page_size, offset])]
    return rows, total, page, pages


def alert_list(
    conn: sqlite3.Connection,
    *,
    rule: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    key: str | None = None,
    sort: str = "created",
    order: str = "desc",
    page: int = 1,
    page_size: int = 50,
) -> ListPage:
    """Alerts filtered by rule/severity/status and a substring of the key, sorted and paged."""
    where: list[str] = []
    params: list[Any] = []
    _equals(where, params, (("rule", rule), ("severity", severity), ("status", status)))
    if key:
        where.append("key_text LIKE ? ESCAPE '\\'")
        params.append(f"%{like_escape(key)}%")
    rows, total, page, pages = _page(
        conn,
        "alerts",
        where,
        params,
        _order_sql(ALERT_SORTS, sort, order),
        "id, rule, rule_version, severity, key_text, count, distinct_count, first_seen,"
        " last_seen, created_at, status, dry_run",
        page,
        page_size,
    )
    filters = {"rule": rule, "severity": severity, "status": status, "key": key}
    return ListPage(rows, total, page, pages, sort, order, filters)


def event_list(
    conn: sqlite3.Connection,
    *,
    user: str | None = None,
    ip: str | None = None,
    outcome: str | None = None,
    category: str | None = None,
    since: float | None = None,
    until: float | None = None,
    file: str | None = None,
    line: int | None = None,
    sort: str = "ts",
    order: str = "desc",
    page: int = 1,
    page_size: int = 50,
) -> ListPage:
    """Scrubbed events filtered by account, address, outcome, category, time and source line."""
    where: list[str] = []
    params: list[Any] = []
    pairs = (("user_name", user), ("source_ip", ip), ("outcome", outcome))
    _equals(where, params, (*pairs, ("category", category), ("file", file), ("line", line)))
    _between(where, params, "ts", since, until)
    rows, total, page, pages = _page(
        conn,
        "events",
        where,
        params,
        _order_sql(EVENT_SORTS, sort, order),
        "id, ts, category, action, outcome, user_name, source_ip, url_path, status_code,"
        " service_name, count, file, line",
        page,
        page_size,
    )
    filters = {
        "user": user,
        "ip": ip,
        "outcome": outcome,
        "category": category,
        "since": since,
        "until": until,
        "file": file,
        "line": line,
    }
    return ListPage(rows, total, page, pages, sort, order, filters)


def _audit_where(
    actor: str | None, action: str | None, since: float | None, until: float | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    _equals(where, params, (("actor", actor), ("action", action)))
    _between(where, params, "ts", since, until)
    return where, params


def audit_list(
    conn: sqlite3.Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: float | None = None,
    until: float | None = None,
    order: str = "desc",
    page: int = 1,
    page_size: int = 50,
) -> ListPage:
    """Audit entries filtered by actor, action and time, newest first by default."""
    where, params = _audit_where(actor, action, since, until)
    rows, total, page, pages = _page(
        conn,
        "audit",
        where,
        params,
        _order_sql(AUDIT_SORTS, "seq", order),
        "seq, ts, actor, action, subject, detail, hash",
        page,
        page_size,
    )
    filters = {"actor": actor, "action": action, "since": since, "until": until}
    return ListPage(rows, total, page, pages, "seq", order, filters)


def audit_export_rows(
    conn: sqlite3.Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield every matching audit entry in chain order, with its hashes, for auditors."""
    where, params = _audit_where(actor, action, since, until)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    columns = "seq, ts, actor, action, subject, detail, prev_hash, hash"
    sql = f"SELECT {columns} FROM audit{clause} ORDER BY seq"  # noqa: S608 - whitelisted
    for row in conn.execute(sql, params):
        yield dict(row)


def distinct_values(conn: sqlite3.Connection, table: str, column: str) -> list[str]:
    """Distinct values of a small, low-cardinality column (for filter drop-downs)."""
    allowed = {
        ("alerts", "rule"),
        ("alerts", "severity"),
        ("alerts", "status"),
        ("audit", "action"),
    }
    if (table, column) not in allowed:
        raise ValueError("column not offered as a filter")
    sql = f"SELECT DISTINCT {column} FROM {table} ORDER BY 1 LIMIT 200"  # noqa: S608 - whitelisted
    return [str(r[0]) for r in conn.execute(sql)]
