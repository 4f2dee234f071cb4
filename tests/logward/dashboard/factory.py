"""Fill a store with realistic monitor output (events, alerts, actions, revocations, rates...).

Used by the dashboard tests (small sizes) and ``bench/bench_dashboard.py`` (1M events,
10k alerts). Rows go straight into the SQL schema, so the dashboard can be tested
without the monitor. Deterministic for a given seed.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from monitor import AuditLog

RULES = {
    "brute-force-ip": ("high", "source.ip"),
    "distributed-brute-force": ("high", "user.name"),
    "credential-stuffing": ("medium", "source.ip"),
    "password-spraying": ("medium", "source.ip"),
    "low-and-slow": ("low", "source.ip"),
    "success-after-failures": ("critical", "user.name"),
    "admin-unauthorized-burst": ("medium", "source.ip"),
    "api-rate-anomaly": ("low", "user.name"),
}
USERS = [f"user{i:03d}" for i in range(200)] + ["admin", "root", "deploy", "svc-backup"]
PATHS = ["/login", "/admin", "/admin/users", "/api/v1/orders", "/api/v1/items", "/health"]
ATTACKER_IP = "203.0.113.9"
VICTIM = "admin"


@dataclass
class Filled:
    """What the factory wrote, for assertions."""

    now: float
    alert_ids: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    incident_ids: list[str] = field(default_factory=list)
    events: int = 0


def _ip(rng: random.Random) -> str:
    return (
        f"198.51.100.{rng.randrange(1, 255)}"
        if rng.random() < 0.5
        else (f"10.{rng.randrange(0, 4)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}")
    )


def _events(rng: random.Random, now: float, n: int, span: float) -> Iterator[tuple[object, ...]]:
    for i in range(n):
        # In time order, as the monitor writes them.
        ts = now - span + span * (i + rng.random()) / n
        web = rng.random() < 0.6
        failure = rng.random() < 0.25
        user = rng.choice(USERS)
        ip = _ip(rng)
        path = rng.choice(PATHS) if web else None
        status = (401 if failure else 200) if web else None
        doc = {
            "@timestamp": ts,
            "event.category": "web" if web else "authentication",
            "url.query": "q=[REDACTED:EMAIL_ADDRESS]" if i % 97 == 0 else None,
        }
        yield (
            ts,
            "web" if web else "authentication",
            "http_request" if web else "ssh_login",
            "failure" if failure else "success",
            user,
            ip,
            path,
            status,
            "admin-panel" if web else "sshd",
            1,
            "/var/log/nginx/access.log" if web else "/var/log/auth.log",
            i + 1,
            json.dumps(doc, separators=(",", ":")),
        )


def _attack(now: float, n: int) -> Iterator[tuple[object, ...]]:
    """A brute-force burst on the victim from one address in the last half hour."""
    for i in range(n):
        ts = now - 1800 + i * (1700 / max(n, 1))
        yield (
            ts,
            "authentication",
            "ssh_login",
            "failure",
            VICTIM,
            ATTACKER_IP,
            None,
            None,
            "sshd",
            1,
            "/var/log/auth.log",
            900_000 + i,
            '{"event.action":"ssh_login"}',
        )


def _count_rates(rates: Counter[tuple[int, str, str]], row: tuple[object, ...]) -> None:
    """Per-key rates as the monitor's pipeline records them (totals come from ``_rates``)."""
    minute = int(float(row[0]) // 60)  # type: ignore[arg-type]
    rates[(minute, "requests", f"user.name={row[4]}")] += 1
    if row[3] == "failure":
        rates[(minute, "failures", f"source.ip={row[5]}")] += 1


def fill_store(
    conn: sqlite3.Connection,
    now: float,
    *,
    events: int = 2000,
    alerts: int = 40,
    span: float = 2 * 86400,
    seed: int = 7,
    audit_alerts: bool = True,
) -> Filled:
    """Write a plausible day or two of monitor output ending at ``now``."""
    rng = random.Random(seed)
    filled = Filled(now=now)
    insert_events = (
        "INSERT INTO events (ts, category, action, outcome, user_name, source_ip, url_path,"
        " status_code, service_name, count, file, line, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB while bulk loading
    conn.execute("BEGIN")
    batch: list[tuple[object, ...]] = []
    per_key: Counter[tuple[int, str, str]] = Counter()
    for row in _events(rng, now, events, span):
        batch.append(row)
        _count_rates(per_key, row)
        if len(batch) >= 50_000:
            conn.executemany(insert_events, batch)
            batch.clear()
    conn.executemany(insert_events, batch)
    attack = list(_attack(now, 60))
    conn.executemany(insert_events, attack)
    for row in attack:
        _count_rates(per_key, row)
    conn.executemany(
        "INSERT INTO rates (minute, kind, key, count) VALUES (?,?,?,?)",
        [(m, kind, key, c) for (m, kind, key), c in per_key.items()],
    )
    filled.events = events + 60
    audit = AuditLog(conn, clock=lambda: now)
    rule_names = sorted(RULES)
    alert_rows = []
    action_rows: list[tuple[object, ...]] = []
    for i in range(alerts):
        rule = rule_names[i % len(rule_names)] if i >= 2 else "brute-force-ip"
        severity, key_field = RULES[rule]
        if i == 0:
            value = ATTACKER_IP
        elif i == 1:
            rule, severity, key_field, value = (
                "success-after-failures",
                "critical",
                "user.name",
                VICTIM,
            )
        else:
            value = rng.choice(USERS) if key_field == "user.name" else _ip(rng)
        created = now - 60 * i - rng.random() * 30 if i < 2 else now - rng.random() * span
        first_seen = created - 600 if i >= 2 else now - 1800
        keys = {key_field: value}
        alert_id = hashlib.sha256(f"{rule}|{value}|{i}".encode()).hexdigest()[:16]
        status = (
            "open" if i < 2 or rng.random() < 0.6 else rng.choice(["acknowledged", "investigated"])
        )
        evidence = {
            "window": 600,
            "events": [{"file": "/var/log/auth.log", "line": 900_000 + j} for j in range(3)],
        }
        alert_rows.append(
            (
                alert_id,
                rule,
                "v" + hashlib.sha256(rule.encode()).hexdigest()[:8],
                severity,
                json.dumps(keys),
                f"{key_field}={value}",
                10 + rng.randrange(200),
                rng.randrange(1, 30) if rule == "credential-stuffing" else None,
                first_seen,
                created - 1,
                created,
                json.dumps(evidence),
                status,
                0,
                "{}",
            )
        )
        filled.alert_ids.append(alert_id)
        if status == "open" and severity in ("high", "critical"):
            filled.incident_ids.append(alert_id)
        if key_field == "user.name" and (i == 1 or rng.random() < 0.1):
            action_rows.append(
                (alert_id, "revoke_account", value, "embedded", "done", "{}", created)
            )
            if value not in filled.revoked:
                filled.revoked.append(value)
                conn.execute(
                    "INSERT OR REPLACE INTO revocations (account, state, mode, revoked_at,"
                    " expires_at, alert_id, rule, revoker, offences) VALUES"
                    " (?, 'revoked', 'until_reviewed', ?, NULL, ?, ?, 'embedded', 1)",
                    (value, created, alert_id, rule),
                )
                conn.execute(
                    "INSERT OR REPLACE INTO accounts (name, active, roles, updated_at)"
                    " VALUES (?, 0, '[\"admin\"]', ?)",
                    (value, created),
                )
        elif key_field == "source.ip":
            action_rows.append((alert_id, "deny_ip", value, None, "done", "{}", created))
        if audit_alerts:
            audit.append("monitor", "alert", alert_id, {"rule": rule, "count": 10}, ts=created)
    conn.executemany(
        "INSERT INTO alerts (id, rule, rule_version, severity, keys, key_text, count,"
        " distinct_count, first_seen, last_seen, created_at, evidence, status, dry_run, labels)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        alert_rows,
    )
    conn.executemany(
        "INSERT INTO actions (alert_id, action, target, revoker, outcome, detail, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        action_rows,
    )
    _rates(conn, rng, now, span)
    _scrub(conn, rng, now)
    conn.commit()
    return filled


def _rates(conn: sqlite3.Connection, rng: random.Random, now: float, span: float) -> None:
    last = int(now // 60)
    first = int((now - min(span, 2 * 86400)) // 60)
    rows = []
    # Totals (key ''): a steady baseline with spikes in the last half hour.
    for minute in range(first, last + 1):
        spike = minute > last - 30 and minute % 7 == 0
        rows.append((minute, "requests", "", rng.randrange(80, 120) + (400 if spike else 0)))
        rows.append((minute, "failures", "", rng.randrange(0, 6) + (60 if spike else 0)))
    conn.executemany(
        "INSERT OR REPLACE INTO rates (minute, kind, key, count) VALUES (?,?,?,?)", rows
    )


def _scrub(conn: sqlite3.Connection, rng: random.Random, now: float) -> None:
    rows = []
    for step in range(144):
        ts = now - step * 600
        rows.append((ts, "stream:logs", "_records", rng.randrange(5000, 9000)))
        for entity in ("EMAIL_ADDRESS", "IP_ADDRESS", "CREDIT_CARD", "PERSON"):
            rows.append((ts, "stream:logs", entity, rng.randrange(0, 80)))
        if step % 20 == 0:
            rows.append((ts, "stream:logs", "_quarantined", rng.randrange(1, 4)))
    conn.executemany("INSERT INTO scrub_stats (ts, source, entity, count) VALUES (?,?,?,?)", rows)
