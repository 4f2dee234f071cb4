"""The SQLite schema of the embedded store under ``--data-dir`` (``monitor.db``).

CONTRACT: the monitor writes these tables; the dashboard, the report and the
demo read them. Add columns/tables with a new ``SCHEMA_VERSION`` step; never
rename. Times are epoch seconds (UTC, REAL). JSON columns hold JSON text.
No column ever holds unscrubbed free text: ``doc`` and ``detail`` are scrubbed
before they are written; account names and source addresses are evidence and
are kept, inside the encrypted file (SQLCipher, see ``monitor._store``).
Events are pruned after their retention period (``monitor._retention``).
"""

from __future__ import annotations

__all__ = ["CAP_CLAIMS", "DB_FILENAME", "SCHEMA", "SCHEMA_VERSION"]

DB_FILENAME = "monitor.db"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    k TEXT PRIMARY KEY,
    v TEXT NOT NULL
);

-- Every parsed access event (scrubbed), kept for 12 months: the evidence.
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    user_name TEXT,
    source_ip TEXT,
    url_path TEXT,
    status_code INTEGER,
    service_name TEXT,
    count INTEGER NOT NULL DEFAULT 1,
    file TEXT,
    line INTEGER,
    doc TEXT NOT NULL                      -- scrubbed ECS JSON of the event
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
CREATE INDEX IF NOT EXISTS events_user_ts ON events (user_name, ts);
CREATE INDEX IF NOT EXISTS events_ip_ts ON events (source_ip, ts);
-- Dashboard: top failing addresses/accounts over a time range, answered from the index alone.
CREATE INDEX IF NOT EXISTS events_outcome_ts ON events (outcome, ts, source_ip, user_name, count);

-- One row per fired alert.
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,                   -- stable: hash of rule, keys, first_seen
    rule TEXT NOT NULL,
    rule_version TEXT NOT NULL,
    severity TEXT NOT NULL,                -- low | medium | high | critical
    keys TEXT NOT NULL,                    -- JSON object, e.g. {"source.ip": "..."}
    key_text TEXT NOT NULL,                -- "source.ip=203.0.113.9" for search/sort
    count INTEGER NOT NULL,
    distinct_count INTEGER,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    created_at REAL NOT NULL,
    evidence TEXT NOT NULL,                -- JSON: window, event refs (file, line)
    status TEXT NOT NULL DEFAULT 'open',   -- open | acknowledged | investigated | false_positive
    dry_run INTEGER NOT NULL DEFAULT 0,
    labels TEXT NOT NULL DEFAULT '{}'      -- JSON object from the rule
);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts (created_at);
CREATE INDEX IF NOT EXISTS alerts_rule ON alerts (rule, created_at);
CREATE INDEX IF NOT EXISTS alerts_key ON alerts (key_text);

-- Every response taken or simulated for an alert.
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY,
    alert_id TEXT,
    action TEXT NOT NULL,                  -- revoke_account | deny_ip | notify | alert_only
    target TEXT NOT NULL,                  -- account name or IP
    revoker TEXT,
    outcome TEXT NOT NULL,                 -- done | simulated | skipped | failed
    detail TEXT NOT NULL DEFAULT '{}',     -- JSON: why skipped (cap, allow-list...)
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_alert ON actions (alert_id);
CREATE INDEX IF NOT EXISTS actions_target ON actions (target, created_at);

-- Current revocation state per account.
CREATE TABLE IF NOT EXISTS revocations (
    account TEXT PRIMARY KEY,
    state TEXT NOT NULL,                   -- revoked | reinstated
    mode TEXT NOT NULL,                    -- temporary | until_reviewed
    revoked_at REAL NOT NULL,
    expires_at REAL,
    alert_id TEXT,
    rule TEXT,
    revoker TEXT,
    offences INTEGER NOT NULL DEFAULT 1,
    reinstated_at REAL,
    reinstated_by TEXT,
    reason TEXT
);

-- The built-in account store used by the sqlite revoker (the embedded default).
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    active INTEGER NOT NULL DEFAULT 1,
    roles TEXT NOT NULL DEFAULT '[]',
    updated_at REAL NOT NULL
);

-- IP deny-list for alerts keyed by address only.
CREATE TABLE IF NOT EXISTS deny_list (
    ip TEXT PRIMARY KEY,
    added_at REAL NOT NULL,
    expires_at REAL,
    alert_id TEXT,
    rule TEXT
);

-- Append-only, hash-chained audit log: hash = sha256(prev_hash || canonical JSON of the row).
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,                   -- "monitor", "dashboard:alice", "cli:root"...
    action TEXT NOT NULL,                  -- alert | revoke | reinstate | page_view ...
    subject TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}',     -- JSON, scrubbed
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);
CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor, ts);
-- Dashboard: an account's revocation/reinstatement history.
CREATE INDEX IF NOT EXISTS audit_subject ON audit (subject, seq);

-- Open detection windows and baselines, so a restart forgets no attack in progress.
CREATE TABLE IF NOT EXISTS window_state (
    rule TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,                   -- JSON, rule-type specific
    updated REAL NOT NULL,
    PRIMARY KEY (rule, key)
);
CREATE INDEX IF NOT EXISTS window_state_updated ON window_state (updated);

-- Per-minute request/failure counts per key, for rate charts and baselines.
CREATE TABLE IF NOT EXISTS rates (
    minute INTEGER NOT NULL,               -- epoch minute
    kind TEXT NOT NULL,                    -- requests | failures
    key TEXT NOT NULL,                     -- "" for the total, else "user.name=..."
    count INTEGER NOT NULL,
    PRIMARY KEY (minute, kind, key)
);
-- Dashboard: one key's series (e.g. the total, key '') without scanning every key's minutes.
CREATE INDEX IF NOT EXISTS rates_kind_key ON rates (kind, key, minute);

-- Scrubbing health reported by sidecars and the demo (counts only).
CREATE TABLE IF NOT EXISTS scrub_stats (
    ts REAL NOT NULL,
    source TEXT NOT NULL,                  -- "stream:<group>", "demo", "logging"
    entity TEXT NOT NULL,                  -- entity type, or "_quarantined" / "_records"
    count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS scrub_stats_ts ON scrub_stats (ts);

-- Retention checkpoints of the audit chain: entries 1..through_seq were pruned; the
-- remaining chain starts from head_hash. mac = HMAC-SHA256 (key in meta) over the row.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    id INTEGER PRIMARY KEY,
    created_at REAL NOT NULL,
    through_seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    removed INTEGER NOT NULL,
    first_ts REAL,
    last_ts REAL,
    reason TEXT NOT NULL,
    mac TEXT NOT NULL
);
"""

# Revocation-cap slots (issue 14): a responder takes one inside a write transaction
# before it calls a revoker, so the cap is counted across every instance sharing the
# store, never read and then written. state: pending | done | released. ``account``
# holds the account's keyed pseudonym (monitor._erase.pseudonym), never the name.
CAP_CLAIMS = """
CREATE TABLE IF NOT EXISTS cap_claims (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    action TEXT NOT NULL,
    budget TEXT NOT NULL,
    alert_id TEXT,
    state TEXT NOT NULL,
    claimed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS cap_claims_budget ON cap_claims (action, budget, claimed_at);
CREATE INDEX IF NOT EXISTS cap_claims_account ON cap_claims (account, state);
"""
SCHEMA += CAP_CLAIMS
