"""Schema of the dashboard's sign-in tables: sessions, TOTP state, login throttles.

The store owns every table's schema: ``logward.dashboard``'s auth store creates
these on SQLite (``CREATE ... IF NOT EXISTS``), and the first PostgreSQL
migration (``_migrations``) translates the same text.
"""

from __future__ import annotations

__all__ = ["DASHBOARD_TABLES"]

DASHBOARD_TABLES = """
CREATE TABLE IF NOT EXISTS dashboard_sessions (
    sid_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    issued REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS dashboard_sessions_expires ON dashboard_sessions (expires);
CREATE TABLE IF NOT EXISTS dashboard_totp_state (
    user_name TEXT PRIMARY KEY,
    last_step INTEGER NOT NULL DEFAULT 0,
    used_recovery TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS dashboard_login_failures (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS dashboard_login_failures_key
    ON dashboard_login_failures (scope, key, ts);
CREATE TABLE IF NOT EXISTS dashboard_blocked (
    bucket INTEGER PRIMARY KEY,
    attempts INTEGER NOT NULL
);
"""
