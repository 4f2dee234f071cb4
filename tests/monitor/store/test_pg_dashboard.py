"""The dashboard's reads and its session/throttle store give the same answers on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from monitor import open_store

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "monitor" / "golden"
NOW = 1_733_000_000.0  # after the 2024 golden logs


def _replay(data: Path, store: str | None) -> None:
    logs = [
        str(GOLDEN / name / "input.log") for name in ("distributed-brute-force", "brute-force-ip")
    ]
    where = ["--store", store] if store else []
    argv = [sys.executable, "-m", "logward", "monitor", "replay", "--format", "sshd",
            "--year", "2024", "--data-dir", str(data), *where, *logs]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "LOGWARD_STORE"}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert 0 == done.returncode, done.stderr


def _views(conn: Any) -> dict[str, Any]:
    import logward.dashboard as ov
    import logward.dashboard as q

    alerts = q.alert_list(conn, sort="created", order="asc")
    first = alerts.rows[0]["id"]
    view = ov.overview(conn, NOW, NOW + 3600, span=86400 * 400)
    for top in ("top_ips", "top_accounts"):  # LIMIT 10 cuts through ties in any order
        rows = view[top]
        view[top] = [r for r in rows if r["n"] > rows[-1]["n"]], [r["n"] for r in rows]
    account = ov.account_view(conn, "alice")
    account.pop("history", None)  # audit times are wall-clock times, not event times
    return {
        "over_time": ov.alerts_over_time(conn, 0, NOW),
        "rate": ov.rate_chart(conn, "failures", NOW - 86400 * 400, NOW),
        "overview": view,
        "incidents": ov.incidents(conn, NOW, NOW + 3600),
        "detail": ov.alert_detail(conn, first),
        "account": account,
        "suggest": ov.allowlist_suggestions(conn),
        "alerts": alerts.rows,
        "alerts_key": q.alert_list(conn, key="alice").rows,
        "events": q.event_list(conn, user="alice", sort="ts", order="asc").rows,
        "rules": q.distinct_values(conn, "alerts", "rule"),
    }


def test_dashboard_reads_match_between_sqlite_and_postgres(pg_url: str, tmp_path: Path) -> None:
    """Same logs replayed into both stores: every dashboard view returns the same data."""
    _replay(tmp_path / "lite", None)
    _replay(tmp_path / "pg", pg_url)
    lite = open_store(tmp_path / "lite")
    pg = open_store(tmp_path / "pg", store=pg_url)
    try:
        expected, got = _views(lite), _views(pg)
    finally:
        lite.close()
        pg.close()
    for name in expected:
        assert expected[name] == got[name], name


def test_sessions_totp_and_login_throttles_on_postgres(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard's auth store (sessions, TOTP replay, recovery codes, throttles) on PG."""
    from logward.dashboard import SqliteAuthStore

    monkeypatch.setenv("LOGWARD_STORE", pg_url)
    auth = SqliteAuthStore(tmp_path)
    auth.session_put("sid-1", "alice", "full", 100.0, 200.0)
    stored = auth.session_get("sid-1", 150.0)
    assert stored is not None
    assert ("alice", "full") == (stored.user, stored.stage)
    assert auth.session_get("sid-1", 250.0) is None
    auth.session_delete("sid-1")
    assert auth.session_get("sid-1", 150.0) is None
    assert auth.totp_claim_step("alice", 7)
    assert not auth.totp_claim_step("alice", 7)  # a TOTP code is accepted once
    assert 7 == auth.totp_last_step("alice")
    assert auth.recovery_claim("alice", "h1")
    assert not auth.recovery_claim("alice", "h1")
    auth.failure_add([("user", "alice"), ("ip", "192.0.2.1")], 10.0)
    auth.failure_add([("user", "alice")], 11.0)
    assert [10.0, 11.0] == auth.failures("user", "alice", 0.0)
    auth.failures_clear("user", "alice")
    assert [] == auth.failures("user", "alice", 0.0)
    assert (True, 0) == auth.blocked(5)
    assert (False, 0) == auth.blocked(5)
    assert (True, 2) == auth.blocked(6)
