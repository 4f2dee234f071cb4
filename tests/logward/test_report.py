"""``logward report``: audit records from the store, with no PII in them."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from logward.report import build_report, parse_since, render, self_scan
from logward_base.errors import ConfigError, ScrubError
from monitor import Alert, AuditLog, open_store
from scrubber import load_scrubber


@pytest.fixture(scope="module")
def engine():
    return load_scrubber()


def _fill(conn, now: float) -> None:
    alert = Alert(
        "brute-force-ip", "abc", "high", {"source.ip": "203.0.113.9"}, 12, now - 70, now - 60, 300.0
    )
    with conn:
        conn.execute(
            "INSERT INTO alerts (id, rule, rule_version, severity, keys, key_text, count,"
            " first_seen, last_seen, created_at, evidence) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                alert.id,
                alert.rule,
                "abc",
                "high",
                json.dumps(alert.keys),
                alert.key_text,
                12,
                now - 70,
                now - 60,
                now - 59,
                "{}",
            ),
        )
        conn.execute(
            "INSERT INTO revocations (account, state, mode, revoked_at, alert_id, rule,"
            " reinstated_at, reinstated_by) VALUES (?,?,?,?,?,?,?,?)",
            (
                "mallory.jones@example.com",
                "reinstated",
                "until_reviewed",
                now - 58,
                alert.id,
                "brute-force-ip",
                now - 10,
                "cli:root",
            ),
        )
        conn.execute(
            "INSERT INTO scrub_stats (ts, source, entity, count)"
            " VALUES (?, 'stream:g', 'EMAIL_ADDRESS', 5)",
            (now - 30,),
        )
        conn.execute(
            "INSERT INTO scrub_stats (ts, source, entity, count)"
            " VALUES (?, 'stream:g', '_quarantined', 2)",
            (now - 30,),
        )
    audit = AuditLog(conn)
    audit.append("dashboard:alice", "page_view", "/overview")
    audit.append("cli:root", "reinstate", "bob", {"reason": "verified by phone"})


def test_parse_since_accepts_durations_and_dates():
    """Durations count back from now; ISO dates are taken as given (UTC if naive)."""
    now = 1_700_000_000.0
    assert now - 30 * 86400 == parse_since("30d", now)
    assert now - 90 * 60 == parse_since("90m", now)
    assert 1_704_067_200.0 == parse_since("2024-01-01", now)
    with pytest.raises(ConfigError, match="--since"):
        parse_since("last tuesday", now)


def test_parse_since_takes_the_shared_duration_forms_and_basic_iso_dates():
    """--since reads durations with logward_base.parse_duration; 20240101 stays a date."""
    now = 1_700_000_000.0
    assert now - 2 * 604800 == parse_since("2w", now)
    assert now - 5400 == parse_since("1.5h", now)
    assert 1_704_067_200.0 == parse_since("20240101", now)


def test_report_sections_and_derived_times(tmp_path, engine):
    """Every section is filled from the store and times to revoke/review are derived."""
    now = time.time()
    conn = open_store(tmp_path)
    _fill(conn, now)
    report = build_report(conn, now - 86400, engine, now=time.time())
    assert 5 == int(report.sections["redactions"]["redactions"].sum())
    assert 2 == int(report.sections["quarantine"]["quarantined"].sum())
    assert ["brute-force-ip"] == list(report.sections["alerts"]["rule"])
    rev = report.sections["revocations"].iloc[0]
    assert 2.0 == rev["time_to_revoke_s"]
    assert 48.0 == rev["time_to_review_s"]
    assert ["dashboard:alice"] == list(report.sections["dashboard_access"]["actor"])
    assert report.chain["ok"]


def test_account_names_that_are_pii_are_scrubbed(tmp_path, engine):
    """An account name that is an email address never appears in any format."""
    now = time.time()
    conn = open_store(tmp_path)
    _fill(conn, now)
    report = build_report(conn, now - 86400, engine, now=now)
    for fmt in ("md", "html", "json", "csv"):
        rendered = render(report, fmt)
        self_scan(rendered, engine)
        assert all("mallory.jones@example.com" not in text for text in rendered.values())
    assert 1 <= report.redacted_in_report["EMAIL_ADDRESS"]


def test_self_scan_refuses_a_report_with_pii(engine):
    """A rendered report that still holds PII is refused, naming only the entity type."""
    with pytest.raises(ScrubError, match="EMAIL_ADDRESS") as info:
        self_scan({"md": "leak: someone@example.com"}, engine)
    assert "someone@example.com" not in str(info.value)


def test_cli_reports_broken_chain_with_exit_1(tmp_path):
    """A tampered audit chain shows as BROKEN and the command exits 1."""
    conn = open_store(tmp_path)
    _fill(conn, time.time())
    conn.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 1")
    conn.commit()
    conn.close()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "logward",
            "report",
            "--data-dir",
            str(tmp_path),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 1 == result.returncode, result.stderr
    doc = json.loads(result.stdout)
    assert doc["audit_chain"]["ok"] is False
    assert 1 == doc["audit_chain"]["first_bad_seq"]
