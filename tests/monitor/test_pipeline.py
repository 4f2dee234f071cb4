"""The runner: persistence across restarts, dedupe, event recording (monitor._pipeline)."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import pytest

from logward_base.paths import rules_dir
from monitor import (
    AccessEvent,
    DetectionEngine,
    Pipeline,
    load_rules,
    merge_by_time,
    open_store,
    record_alert,
)

T0 = 1_732_701_600.0


def attack_stream(seed: int = 7) -> list[AccessEvent]:
    """A mixed stream: brute force, spraying, slow attempts, a compromise, API traffic."""
    rng = random.Random(seed)
    events = []
    for i in range(40):
        events.append(_auth(i * 7.0, "failure", "203.0.113.10", "root", i))
    for i in range(12):
        events.append(_auth(5 + i * 300.0, "failure", "203.0.113.30", f"staff{i}", 100 + i))
    for i in range(8):
        events.append(_auth(20 + i * 9.0, "failure", f"198.51.100.{i}", "alice", 200 + i))
    events.append(_auth(95.0, "success", "198.51.100.3", "alice", 300))
    for i in range(3000):
        user = f"u{rng.randrange(40)}"
        events.append(
            AccessEvent(
                timestamp=T0 + i * 1.5,
                category="web",
                action="http_request",
                outcome="success",
                user_name=user,
                source_ip="10.0.0.1",
                url_path="/api/items",
                status_code=200,
                line=1000 + i,
                file="access.log",
            )
        )
    events.sort(key=lambda e: e.timestamp)
    return events


def _auth(t, outcome, ip, user, line):
    return AccessEvent(
        timestamp=T0 + t,
        category="authentication",
        action="ssh_login",
        outcome=outcome,
        user_name=user,
        source_ip=ip,
        file="auth.log",
        line=line,
    )


def make(data_dir=None, sink=None):
    engine = DetectionEngine(load_rules(rules_dir()), track_dirty=data_dir is not None)
    conn = open_store(data_dir) if data_dir is not None else None
    respond = (lambda a: record_alert(conn, a, a.last_seen)) if conn is not None else None
    pipe = Pipeline(
        engine, respond=respond, sink=sink, conn=conn, record_events=True, skip_seen=True
    )
    return pipe, conn


@pytest.mark.parametrize("split", [10, 25, 50, 1500])
def test_restart_mid_stream_gives_the_same_alerts(tmp_path, split):
    """Replay part, stop, restart from the store, replay the rest: same alerts, none twice."""
    events = attack_stream()
    whole: list[dict[str, Any]] = []
    pipe, _ = make(sink=whole.append)
    pipe.run(events)
    assert len(whole) >= 4

    parts: list[dict[str, Any]] = []
    first, conn = make(tmp_path, sink=parts.append)
    first.run(events[:split])
    conn.close()
    second, conn = make(tmp_path, sink=parts.append)
    assert second.restore() > 0 or split < 20
    second.run(events[split:])
    assert [(a["id"], a["count"]) for a in whole] == [(a["id"], a["count"]) for a in parts]
    conn.close()


def test_replaying_again_does_not_refire(tmp_path):
    """The whole stream replayed twice against one store raises each alert once."""
    events = attack_stream()
    out: list[dict[str, Any]] = []
    pipe, conn = make(tmp_path, sink=out.append)
    pipe.run(events)
    n = len(out)
    conn.close()
    again, conn = make(tmp_path, sink=out.append)
    again.restore()
    again.run(events)
    assert n == len(out)
    stored = conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    assert n == stored
    conn.close()


def test_events_and_rates_are_recorded(tmp_path):
    """Events land in the events table and per-minute counts in rates."""
    events = attack_stream()[:200]
    pipe, conn = make(tmp_path)
    pipe.run(events)
    assert len(events) == conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    total = conn.execute(
        "SELECT SUM(count) FROM rates WHERE kind = 'requests' AND key = ''"
    ).fetchone()[0]
    assert len(events) == total
    doc = json.loads(conn.execute("SELECT doc FROM events LIMIT 1").fetchone()[0])
    assert "@timestamp" in doc
    conn.close()


def test_run_stops_on_the_stop_event(tmp_path):
    """An idle tick after stop is set ends the run and checkpoints."""
    stop = threading.Event()
    pipe, conn = make(tmp_path)
    events = attack_stream()[:5]

    def source():
        yield from events
        stop.set()
        yield None
        raise AssertionError("read past the stop request")

    assert 5 == pipe.run(source(), stop)
    assert 5 == conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    conn.close()


def test_merge_by_time_orders_files():
    """Events of several files come out in event-time order."""
    a = [_auth(t, "failure", "192.0.2.1", "x", 1) for t in (1, 4, 9)]
    b = [_auth(t, "failure", "192.0.2.2", "y", 1) for t in (2, 3, 10)]
    assert [1, 2, 3, 4, 9, 10] == [e.timestamp - T0 for e in merge_by_time([a, b])]
