"""Retention: pruning by age, the audit checkpoint, the daily run inside `monitor run`."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time

import pytest

from logward_base.errors import AuditChainError
from monitor import (
    Alert,
    AuditLog,
    Responder,
    RetentionPolicy,
    RetentionScheduler,
    open_store,
    prune,
    store_stats,
)
from tests.monitor.test_store_crypto import logward as _cli

DAY = 86400.0


def _event(conn, ts: float, user: str = "u", ip: str = "192.0.2.1") -> None:
    conn.execute(
        "INSERT INTO events (ts, category, action, outcome, user_name, source_ip, doc)"
        " VALUES (?, 'authentication', 'login', 'failure', ?, ?, '{}')",
        (ts, user, ip),
    )


@pytest.fixture
def store(tmp_path, fake_clock):
    """A store with events 400, 366, 364 and 1 days old, and audited alerts 400 and 1 days old."""
    conn = open_store(tmp_path)
    now = fake_clock.now
    for age in (400, 366, 364, 1):
        _event(conn, now - age * DAY)
    conn.commit()
    for age, ip in ((400, "198.51.100.1"), (1, "198.51.100.2")):
        at = now - age * DAY
        resp = Responder.from_config(None, conn, clock=functools.partial(float, at))
        resp.respond(Alert("brute-force-ip", "v1", "high", {"source.ip": ip}, 20, at, at, 300.0))
    yield conn
    conn.close()


def test_prune_removes_exactly_the_events_older_than_the_period(store, fake_clock):
    """Events 400 and 366 days old go; 364 and 1 stay."""
    result = prune(store, RetentionPolicy(), fake_clock.now)
    assert 2 == result.events
    ages = [
        round((fake_clock.now - ts) / DAY)
        for (ts,) in store.execute("SELECT ts FROM events ORDER BY ts")
    ]
    assert [364, 1] == ages


def test_prune_keeps_recent_alerts_and_drops_old_ones_with_their_actions(store, fake_clock):
    """The 400-day-old alert and its actions go; the recent one stays."""
    before = store.execute("SELECT count(*) FROM actions").fetchone()[0]
    result = prune(store, RetentionPolicy(), fake_clock.now)
    assert 1 == result.alerts
    keys = [r[0] for r in store.execute("SELECT key_text FROM alerts")]
    assert ["source.ip=198.51.100.2"] == keys
    assert before - result.actions == store.execute("SELECT count(*) FROM actions").fetchone()[0]
    assert (
        0
        == store.execute(
            "SELECT count(*) FROM actions WHERE alert_id NOT IN (SELECT id FROM alerts)"
        ).fetchone()[0]
    )


def test_alert_with_recent_action_is_kept(store, fake_clock):
    """An old alert whose last activity (an action) is recent is kept."""
    old = store.execute("SELECT id FROM alerts ORDER BY created_at LIMIT 1").fetchone()[0]
    store.execute(
        "INSERT INTO actions (alert_id, action, target, outcome, created_at)"
        " VALUES (?, 'notify', 'x', 'done', ?)",
        (old, fake_clock.now - 10 * DAY),
    )
    store.commit()
    assert 0 == prune(store, RetentionPolicy(), fake_clock.now).alerts


def test_audit_chain_verifies_after_pruning_through_a_signed_checkpoint(store, fake_clock):
    """Old audit entries go, a checkpoint records them, and verify still passes."""
    entries = store.execute("SELECT count(*) FROM audit").fetchone()[0]
    result = prune(store, RetentionPolicy(), fake_clock.now)
    assert 0 < result.audit
    status = AuditLog(store).verify()
    assert (True, entries - result.audit + 1) == (status.ok, status.entries)
    cp = store.execute("SELECT through_seq, removed FROM audit_checkpoints").fetchone()
    assert (result.audit, result.audit) == tuple(cp)
    last = store.execute("SELECT action FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert "retention_prune" == last


def test_forged_checkpoint_fails_verification(store, fake_clock):
    """Editing the checkpoint (e.g. to hide more removed entries) breaks verify."""
    prune(store, RetentionPolicy(), fake_clock.now)
    store.execute("UPDATE audit_checkpoints SET removed = removed + 5")
    store.commit()
    status = AuditLog(store).verify()
    assert (False, "retention checkpoint signature is invalid") == (status.ok, status.reason)


def test_broken_chain_is_not_pruned(store, fake_clock):
    """A chain that does not verify refuses pruning and nothing is deleted."""
    store.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    store.commit()
    with pytest.raises(AuditChainError, match="nothing was pruned"):
        prune(store, RetentionPolicy(), fake_clock.now)
    assert 4 == store.execute("SELECT count(*) FROM events").fetchone()[0]


def test_appends_after_pruning_everything_continue_the_chain(tmp_path, fake_clock):
    """Even with every old entry gone, new entries chain from the checkpoint."""
    conn = open_store(tmp_path)
    log = AuditLog(conn, clock=lambda: fake_clock.now - 500 * DAY)
    log.append("cli:test", "reinstate", "x")
    log.append("cli:test", "reinstate", "y")
    prune(conn, RetentionPolicy(), fake_clock.now)
    AuditLog(conn, clock=fake_clock).append("cli:test", "page_view")
    assert AuditLog(conn).verify().ok
    conn.close()


def test_scheduler_prunes_events_even_when_the_chain_is_broken(store, fake_clock, caplog):
    """monitor run's pruning keeps going on a broken chain: events go, the chain stays."""
    store.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    store.commit()
    audit_rows = store.execute("SELECT count(*) FROM audit").fetchone()[0]
    result = RetentionScheduler(store, RetentionPolicy(), clock=fake_clock).maybe_prune()
    assert result is not None
    assert (2, 0) == (result.events, result.audit)
    assert audit_rows + 1 == store.execute("SELECT count(*) FROM audit").fetchone()[0]
    assert "audit chain not pruned" in caplog.text


def test_scheduler_prunes_at_most_daily_on_its_injected_clock(store, fake_clock):
    """First call prunes; again within a day does nothing; a day later prunes new old events."""
    sched = RetentionScheduler(store, RetentionPolicy(), clock=fake_clock)
    first = sched.maybe_prune()
    assert first is not None
    assert 2 == first.events
    _event(store, fake_clock.now - 500 * DAY)
    store.commit()
    fake_clock.advance(DAY - 1)
    assert sched.maybe_prune() is None
    fake_clock.advance(1)
    again = sched.maybe_prune()
    assert again is not None
    assert 1 == again.events
    # a restart remembers the last run
    assert RetentionScheduler(store, RetentionPolicy(), clock=fake_clock).maybe_prune() is None


def test_store_stats_counts_and_oldest_per_table(store, fake_clock):
    """stats gives count and oldest time per table."""
    stats = store_stats(store)
    assert {"count": 4, "oldest": fake_clock.now - 400 * DAY} == stats["events"]
    assert 2 == stats["alerts"]["count"]


def test_store_prune_and_stats_commands(tmp_path):
    """`store prune --older-than 30d` deletes old events; `store stats --format json` shows it."""
    conn = open_store(tmp_path)
    now = time.time()
    for age in (40, 31, 29):
        _event(conn, now - age * DAY)
    conn.commit()
    conn.close()
    dry = _cli("store", "prune", "--data-dir", str(tmp_path), "--older-than", "30d", "--dry-run")
    assert 2 == json.loads(dry.stdout)["would_delete"]["events"]
    done = _cli("store", "prune", "--data-dir", str(tmp_path), "--older-than", "30d")
    assert 0 == done.returncode, done.stderr
    assert 2 == json.loads(done.stdout)["deleted"]["events"]
    stats = json.loads(
        _cli("store", "stats", "--data-dir", str(tmp_path), "--format", "json").stdout
    )
    assert 1 == stats["events"]["count"]
    assert now - 29 * DAY == pytest.approx(stats["events"]["oldest"], abs=1)
    assert 0 == _cli("audit", "verify", "--data-dir", str(tmp_path)).returncode


def test_monitor_run_prunes_by_itself(tmp_path):
    """`monitor run` prunes events older than --retention without being asked."""
    conn = open_store(tmp_path)
    now = time.time()
    _event(conn, now - 10 * DAY)
    _event(conn, now - 1 * DAY)
    conn.commit()
    conn.close()
    log = tmp_path / "access.jsonl"
    log.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGWARD_STORE_KEY")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "logward",
            "monitor",
            "run",
            "--format",
            "json",
            "--follow",
            str(log),
            "--data-dir",
            str(tmp_path),
            "--retention",
            "5d",
            "--checkpoint-seconds",
            "0.2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        remaining = 2
        while time.monotonic() < deadline and remaining != 1:
            time.sleep(0.2)
            check = open_store(tmp_path)
            remaining = check.execute("SELECT count(*) FROM events").fetchone()[0]
            check.close()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert 1 == remaining, err
