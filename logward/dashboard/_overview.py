"""Aggregations for the overview, the alert detail and the account view.

All aggregation happens in SQL over indexed ranges; pandas only smooths the
per-minute rate series into a baseline band (rolling median +- k * MAD of the
preceding hour), which is small (one row per minute).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from typing import Any

import pandas as pd

__all__ = [
    "KEY_COLUMNS",
    "account_view",
    "alert_detail",
    "alerts_over_time",
    "allowlist_suggestions",
    "incidents",
    "overview",
    "rate_chart",
    "scrub_health",
]

SEVERITIES = ("critical", "high", "medium", "low")
INCIDENT_SEVERITIES = ("high", "critical")
# ECS key field -> events column, for evidence around an alert.
KEY_COLUMNS = {"source.ip": "source_ip", "user.name": "user_name"}
_PER_MINUTE = (
    "SELECT CAST(ts / 60 AS INTEGER) AS m, SUM(count),"
    " SUM(CASE WHEN outcome = 'failure' THEN count ELSE 0 END) FROM events"
)
_DISTINCT = "SELECT COUNT(DISTINCT user_name), COUNT(DISTINCT source_ip) FROM events"
# ECS key field -> query parameter of the events page.
EVENT_FILTERS = {"source.ip": "ip", "user.name": "user"}


def alerts_over_time(
    conn: sqlite3.Connection, since: float, until: float, bucket: int = 3600
) -> dict[str, Any]:
    """Alert counts per time bucket, stacked by rule and by severity (chart-ready)."""
    rows = conn.execute(
        "SELECT CAST(created_at / ? AS INTEGER) AS b, rule, severity, COUNT(*) AS n"
        " FROM alerts WHERE created_at >= ? AND created_at < ? GROUP BY b, rule, severity",
        (bucket, since, until),
    ).fetchall()
    first = int(since // bucket)
    last = int((until - 1) // bucket)
    labels = [b * bucket for b in range(first, last + 1)]
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0] * len(labels))
    by_sev: dict[str, list[int]] = defaultdict(lambda: [0] * len(labels))
    for b, rule, severity, n in rows:
        index = int(b) - first
        if 0 <= index < len(labels):
            by_rule[str(rule)][index] += int(n)
            by_sev[str(severity)][index] += int(n)
    return {
        "labels": labels,
        "by_rule": dict(sorted(by_rule.items())),
        "by_severity": {s: by_sev[s] for s in SEVERITIES if s in by_sev},
    }


def rate_chart(
    conn: sqlite3.Connection,
    kind: str,
    since: float,
    until: float,
    *,
    key: str = "",
    history_minutes: int = 60,
    k: float = 4.0,
    floor: float = 5.0,
) -> dict[str, Any]:
    """Per-minute counts of ``kind`` with a learned band and the minutes above it.

    The band for each minute is the rolling median of the previous
    ``history_minutes`` minutes +- ``k`` x 1.4826 x MAD (at least ``floor``
    wide), so a minute never judges itself. Missing minutes count as zero.
    """
    first = int(since // 60)
    last = int((until - 1) // 60)
    rows = conn.execute(
        "SELECT minute, count FROM rates"
        " WHERE kind = ? AND key = ? AND minute >= ? AND minute <= ?",
        (kind, key, first - history_minutes, last),
    ).fetchall()
    index = pd.RangeIndex(first - history_minutes, last + 1)
    series = pd.Series(0.0, index=index)
    for minute, count in rows:
        series[int(minute)] = float(count)
    past = series.shift(1).rolling(history_minutes, min_periods=10)
    median = past.median()
    mad = (series.shift(1) - median).abs().rolling(history_minutes, min_periods=10).median()
    width = (k * 1.4826 * mad).clip(lower=floor)
    upper = median + width
    lower = (median - width).clip(lower=0)
    shown = series.loc[first:last]
    up = upper.loc[first:last]
    minutes = [int(m) for m in shown.index]
    counts = shown.to_numpy()
    ceiling = up.to_numpy()
    anomalies = [
        minutes[i]
        for i in range(len(minutes))
        if not pd.isna(ceiling[i]) and counts[i] > ceiling[i]
    ]

    def clean(values: pd.Series) -> list[float | None]:
        return [None if pd.isna(v) else round(float(v), 2) for v in values]

    return {
        "labels": [m * 60 for m in minutes],
        "counts": [int(v) for v in counts],
        "upper": clean(up),
        "lower": clean(lower.loc[first:last]),
        "anomalies": [m * 60 for m in anomalies],
    }


def scrub_health(conn: sqlite3.Connection, since: float, bucket: int = 3600) -> dict[str, Any]:
    """Redactions by entity per bucket, records seen and the quarantine count since ``since``."""
    rows = conn.execute(
        "SELECT CAST(ts / ? AS INTEGER) AS b, entity, SUM(count) FROM scrub_stats"
        " WHERE ts >= ? GROUP BY b, entity ORDER BY b",
        (bucket, since),
    ).fetchall()
    buckets = sorted({int(r[0]) for r in rows})
    position = {b: i for i, b in enumerate(buckets)}
    entities: dict[str, list[int]] = defaultdict(lambda: [0] * len(buckets))
    totals: dict[str, int] = defaultdict(int)
    for b, entity, n in rows:
        totals[str(entity)] += int(n)
        if not str(entity).startswith("_"):
            entities[str(entity)][position[int(b)]] += int(n)
    return {
        "labels": [b * bucket for b in buckets],
        "by_entity": dict(sorted(entities.items())),
        "quarantined": totals.get("_quarantined", 0),
        "records": totals.get("_records", 0),
        "redactions": sum(v for e, v in totals.items() if not e.startswith("_")),
        "reporting": bool(rows),
    }


def incidents(conn: sqlite3.Connection, now: float, deadline: float) -> list[dict[str, Any]]:
    """Open high/critical alerts: each is an incident with a notification clock.

    The clock starts when the alert was stored (discovery); ``time_left`` is
    negative once the deadline has passed.
    """
    rows = conn.execute(
        "SELECT id, rule, severity, key_text, created_at, count FROM alerts"
        " WHERE status = 'open' AND severity IN ('high', 'critical') AND dry_run = 0"
        " ORDER BY created_at LIMIT 100"
    ).fetchall()
    out = []
    for row in rows:
        item = dict(row)
        item["deadline"] = float(row["created_at"]) + deadline
        item["time_left"] = item["deadline"] - now
        out.append(item)
    return out


def overview(
    conn: sqlite3.Connection, now: float, deadline: float, span: float = 86400.0
) -> dict[str, Any]:
    """Everything on the overview page except the charts (which come from the JSON API).

    The top-N queries read only the covering index ``events_outcome_ts``; the
    unary ``+`` stops SQLite from walking a per-address index for the GROUP BY
    instead (1.2 s -> 0.1 s at a million events).
    """
    since = now - span
    top_ips = conn.execute(
        "SELECT source_ip AS value, SUM(count) AS n FROM events WHERE outcome = 'failure'"
        " AND ts >= ? AND +source_ip IS NOT NULL GROUP BY +source_ip ORDER BY n DESC LIMIT 10",
        (since,),
    ).fetchall()
    top_accounts = conn.execute(
        "SELECT user_name AS value, SUM(count) AS n FROM events WHERE outcome = 'failure'"
        " AND ts >= ? AND +user_name IS NOT NULL GROUP BY +user_name ORDER BY n DESC LIMIT 10",
        (since,),
    ).fetchall()
    revoked = conn.execute(
        "SELECT account, mode, revoked_at, expires_at, alert_id, rule, offences"
        " FROM revocations WHERE state = 'revoked' ORDER BY revoked_at DESC LIMIT 100"
    ).fetchall()
    counts = conn.execute(
        "SELECT COUNT(*), SUM(status = 'open') FROM alerts WHERE created_at >= ?", (since,)
    ).fetchone()
    return {
        "top_ips": [dict(r) for r in top_ips],
        "top_accounts": [dict(r) for r in top_accounts],
        "revoked": [dict(r) for r in revoked],
        "incidents": incidents(conn, now, deadline),
        "alerts_24h": int(counts[0] or 0),
        "open_24h": int(counts[1] or 0),
        "scrub": scrub_health(conn, since),
    }


def alert_detail(conn: sqlite3.Connection, alert_id: str) -> dict[str, Any] | None:
    """The alert, its actions, and the evidence around it; ``None`` if no such alert."""
    row = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    if row is None:
        return None
    alert = dict(row)
    keys = _json_obj(alert["keys"])
    evidence = _json_obj(alert["evidence"])
    alert["keys_obj"] = keys
    alert["evidence_obj"] = evidence
    alert["labels_obj"] = _json_obj(alert["labels"])
    actions = [
        dict(r)
        for r in conn.execute(
            "SELECT action, target, revoker, outcome, detail, created_at FROM actions"
            " WHERE alert_id = ? ORDER BY created_at",
            (alert_id,),
        )
    ]
    window = float(evidence.get("window", 0) or 0) if isinstance(evidence, dict) else 0.0
    margin = max(window, 900.0)
    since = float(alert["first_seen"]) - margin
    until = float(alert["last_seen"]) + margin
    where = [f"{col} = ?" for field_name, col in KEY_COLUMNS.items() if field_name in keys]
    params: list[Any] = [str(keys[f]) for f in KEY_COLUMNS if f in keys]
    per_minute: dict[str, Any] = {"labels": [], "total": [], "failures": []}
    distinct: dict[str, int | None] = {"accounts": None, "ips": None}
    if where:
        clause = " AND ".join([*where, "ts >= ?", "ts <= ?"])
        bind = [*params, since, until]
        # ``clause`` is built from whitelisted column names only; values are bound.
        per_minute_sql = f"{_PER_MINUTE} WHERE {clause} GROUP BY m ORDER BY m"
        minutes = conn.execute(per_minute_sql, bind).fetchall()
        per_minute = {
            "labels": [int(m[0]) * 60 for m in minutes],
            "total": [int(m[1]) for m in minutes],
            "failures": [int(m[2]) for m in minutes],
        }
        distinct_sql = f"{_DISTINCT} WHERE {clause}"
        found = conn.execute(distinct_sql, bind).fetchone()
        distinct = {"accounts": int(found[0]), "ips": int(found[1])}
    links = {EVENT_FILTERS[f]: str(keys[f]) for f in EVENT_FILTERS if f in keys}
    return {
        "alert": alert,
        "actions": actions,
        "per_minute": per_minute,
        "distinct": distinct,
        "since": since,
        "until": until,
        "event_filter": links,
        "refs": _refs(evidence),
    }


def _json_obj(text: Any) -> Any:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return {}
    return value if value is not None else {}


def _refs(evidence: Any) -> list[dict[str, Any]]:
    raw = evidence.get("events", evidence.get("refs", [])) if isinstance(evidence, dict) else []
    out = []
    for item in raw[:50] if isinstance(raw, list) else []:
        if isinstance(item, dict) and "file" in item and "line" in item:
            out.append({"file": str(item["file"]), "line": item["line"]})
        elif isinstance(item, list | tuple) and len(item) == 2:
            out.append({"file": str(item[0]), "line": item[1]})
    return out


def account_view(conn: sqlite3.Connection, name: str, limit: int = 100) -> dict[str, Any]:
    """An account's revocation state, alert history, actions and recent events."""
    # Exact match on the alert's keys (a LIKE on key_text let a user name such as
    # "zz user.name=frank" put zz's alerts on frank's page).
    alerts = conn.execute(
        "SELECT id, rule, severity, key_text, count, created_at, status FROM alerts"
        " WHERE json_extract(keys, '$.\"user.name\"') = ? ORDER BY created_at DESC LIMIT ?",
        (name, limit),
    ).fetchall()
    revocation = conn.execute("SELECT * FROM revocations WHERE account = ?", (name,)).fetchone()
    account = conn.execute("SELECT * FROM accounts WHERE name = ?", (name,)).fetchone()
    actions = conn.execute(
        "SELECT alert_id, action, revoker, outcome, detail, created_at FROM actions"
        " WHERE target = ? ORDER BY created_at DESC LIMIT ?",
        (name, limit),
    ).fetchall()
    history = conn.execute(
        "SELECT seq, ts, actor, action, detail FROM audit WHERE subject = ?"
        " AND action IN ('revoke', 'reinstate', 'alert_status', 'account_status')"
        " ORDER BY seq DESC LIMIT ?",
        (name, limit),
    ).fetchall()
    recent = conn.execute(
        "SELECT id, ts, action, outcome, source_ip, url_path, status_code FROM events"
        " WHERE user_name = ? ORDER BY ts DESC LIMIT 20",
        (name,),
    ).fetchall()
    return {
        "name": name,
        "alerts": [dict(r) for r in alerts],
        "revocation": dict(revocation) if revocation else None,
        "account": dict(account) if account else None,
        "actions": [dict(r) for r in actions],
        "history": [dict(r) for r in history],
        "recent_events": [dict(r) for r in recent],
        "known": bool(alerts or revocation or account or recent),
    }


def allowlist_suggestions(conn: sqlite3.Connection, limit: int = 200) -> list[dict[str, Any]]:
    """Keys whose alerts were marked false positive: candidates for the allow-list."""
    rows = conn.execute(
        "SELECT key_text, keys, rule, COUNT(*) AS n, MAX(created_at) AS last FROM alerts"
        " WHERE status = 'false_positive' GROUP BY key_text, keys, rule ORDER BY n DESC, last DESC"
        " LIMIT ?",
        (limit,),
    ).fetchall()
    return [dict(r) for r in rows]
