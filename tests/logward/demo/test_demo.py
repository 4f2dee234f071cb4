"""``logward demo`` end to end, bounded: scrubbed logs, alerts, revocations, summary."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from logward.demo import ATTACKS
from logward.scan import file_items, scan_items
from monitor import open_store
from scrubber import load_scrubber


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "logward",
            "demo",
            "--data-dir",
            str(data),
            "--no-dashboard",
            "--duration",
            "1",
            "--playback-seconds",
            "3",
            "--orders",
            "25",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return data, result


@pytest.mark.integration
@pytest.mark.ner
def test_demo_exits_cleanly_with_a_summary(demo_run):
    """The bounded demo exits 0 and prints redactions, alerts and revocations."""
    _, result = demo_run
    assert 0 == result.returncode, result.stdout + result.stderr
    assert "redactions by entity:" in result.stdout
    assert "accounts revoked:" in result.stdout


@pytest.mark.integration
@pytest.mark.ner
def test_demo_log_store_holds_no_pii(demo_run):
    """Every line the demo application wrote is clean under the full detector set (NER on)."""
    data, _ = demo_run
    files = sorted((data / "logs").glob("*.jsonl"))
    assert 2 == len(files)
    report = scan_items(load_scrubber(ner=True), file_items(files))
    assert report.items > 50
    assert {} == dict(report.by_entity)


@pytest.mark.integration
@pytest.mark.ner
def test_demo_attacks_raise_alerts_and_revoke_accounts(demo_run):
    """Each scripted attack raises its rule's alert for its key; attacked accounts are revoked."""
    data, _ = demo_run
    conn = open_store(data)
    fired = {(r["rule"], r["keys"]) for r in conn.execute("SELECT rule, keys FROM alerts")}
    for rule, keys in ATTACKS.items():
        assert (rule, json.dumps(keys)) in {(r, json.dumps(json.loads(k))) for r, k in fired}
    revoked = {r[0] for r in conn.execute("SELECT account FROM revocations WHERE state='revoked'")}
    assert {"carol", "dave", "erin"} <= revoked
    inactive = {r[0] for r in conn.execute("SELECT name FROM accounts WHERE active = 0")}
    assert {"carol", "dave", "erin"} <= inactive
    assert (
        0 < conn.execute("SELECT COUNT(*) FROM scrub_stats WHERE source='demo:app'").fetchone()[0]
    )


@pytest.mark.integration
@pytest.mark.ner
def test_demo_monitor_files_hold_no_attacker_address_or_account(demo_run):
    """No attacker address or revoked account in the store, WAL or monitor.log (0600)."""
    from tests.monitor._bytescan import plaintext_hits

    data, _ = demo_run
    needles = sorted({v for keys in ATTACKS.values() for v in keys.values()})
    # logs/ is the scrubbed application output (tested above); access/ is the fed-in input.
    written = {str(p.relative_to(data)) for p in data.rglob("*") if p.is_file()}
    skip = frozenset(w for w in written if w.startswith(("logs/", "access/")))
    assert {"monitor.db", "monitor.log", "store.key"} <= written
    assert {} == plaintext_hits(data, needles, skip)
    assert 0o600 == (data / "monitor.log").stat().st_mode & 0o777


def test_demo_dashboard_user_signs_in_with_the_printed_totp_uri(tmp_path):
    """The demo's generated user signs in with its password and a code from the printed URI."""
    import re

    import pyotp
    from fastapi.testclient import TestClient

    from logward.dashboard import create_app, load_config
    from logward.demo import write_dashboard_config

    path, password, uri = write_dashboard_config(tmp_path)
    assert uri.startswith("otpauth://totp/logward:demo?secret=")
    app = create_app(tmp_path, load_config(path))
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    with TestClient(app) as client:
        csrf = _first(token, client.get("/login").text)
        first = client.post(
            "/login",
            data={"username": "demo", "password": password, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert first.headers["location"].startswith("/login/2fa")
        csrf = _first(token, client.get("/login/2fa").text)
        code = pyotp.TOTP(pyotp.parse_uri(uri).secret).now()
        done = client.post(
            "/login/2fa", data={"code": code, "csrf_token": csrf}, follow_redirects=False
        )
        assert "/" == done.headers["location"]
        assert 200 == client.get("/").status_code


def _first(pattern, text: str) -> str:
    match = pattern.search(text)
    assert match is not None
    return str(match.group(1))
