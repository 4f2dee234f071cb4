"""Per-partition window state in the store: claim, restore, checkpoint with offsets, fencing.

Every test runs on both backends: the SQLite file and a real PostgreSQL 15.
"""

from __future__ import annotations

import pytest

from monitor import (
    AccessEvent,
    DetectionEngine,
    GroupWindows,
    PartitionedWindows,
    PartitionStore,
    Pipeline,
    StateStore,
    kafka_origin,
    load_rules,
    open_store,
)

T0 = 1_732_701_600.0
RULE = """name: fails
type: threshold
severity: high
match:
  event.category: authentication
  event.outcome: failure
group_by: [user.name]
threshold: 5
window: 1h
cooldown: 1h
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """``None`` (the SQLite file under the data dir) or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


def _fail(t: float, user: str, part: int, offset: int) -> AccessEvent:
    return AccessEvent(
        timestamp=T0 + t,
        category="authentication",
        action="ssh_login",
        outcome="failure",
        user_name=user,
        source_ip="203.0.113.7",
        line=offset + 1,
        file=kafka_origin("t", part),
    )


def _member(tmp_path, url: str | None, name: str, positions: dict[int, int]):
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "fails.yaml").write_text(RULE)
    rules = load_rules(tmp_path / "rules")
    conn = open_store(tmp_path / "store", store=url)
    store = PartitionStore(conn, "g", "t", name)
    windows = PartitionedWindows(
        store, lambda: DetectionEngine(rules, track_dirty=True), "t", lambda: dict(positions)
    )
    pipe = Pipeline(windows, conn=conn, windows=windows)
    return conn, store, windows, pipe


def test_new_owner_resumes_windows_at_the_stored_offset(tmp_path, store_url):
    """State written with offset 3 comes back on claim, with 3 as the offset to seek to."""
    pos: dict[int, int] = {}
    conn_a, _store_a, win_a, pipe_a = _member(tmp_path, store_url, "a", pos)
    assert {} == win_a.assign([0, 1])
    for i in range(3):
        pipe_a.handle(_fail(i, "alice", 0, i))
        pos[0] = i + 1
    pipe_a.checkpoint()
    pipe_a.handle(_fail(3, "alice", 0, 3))  # processed, never checkpointed (kill -9)
    conn_b, store_b, win_b, pipe_b = _member(tmp_path, store_url, "b", {})
    assert {0: 3} == win_b.assign([0])
    fired = [pipe_b.handle(_fail(i, "alice", 0, i)) for i in (3, 4)]
    assert [[], ["fails"]] == [[a["rule"] for a in f] for f in fired]
    assert {0: (3, 2), 1: (-1, 1)} == store_b.offsets()
    conn_a.close()
    conn_b.close()


def test_zombie_cannot_overwrite_the_new_owners_state(tmp_path, store_url):
    """After B claims partition 0, A's checkpoint writes nothing for it and A drops it."""
    pos_a = {0: 2}
    conn_a, _store_a, win_a, pipe_a = _member(tmp_path, store_url, "a", pos_a)
    win_a.assign([0])
    pipe_a.handle(_fail(0, "alice", 0, 0))
    conn_b, store_b, win_b, pipe_b = _member(tmp_path, store_url, "b", {0: 1})
    win_b.assign([0])
    pipe_b.handle(_fail(0, "carol", 0, 0))
    pipe_b.checkpoint()
    pipe_a.checkpoint()
    assert [] == list(win_a.engines)
    assert [] == pipe_a.handle(_fail(1, "alice", 0, 1))
    assert {0: (1, 2)} == store_b.offsets()
    keys = conn_b.execute("SELECT key FROM partition_state ORDER BY key").fetchall()
    assert [('["carol"]',)] == [tuple(r) for r in keys]
    conn_a.close()
    conn_b.close()


def test_revoke_flushes_then_forgets_the_partition(tmp_path, store_url):
    """Revocation writes state and offset before the engine is dropped."""
    pos = {0: 0}
    conn, store, win, pipe = _member(tmp_path, store_url, "a", pos)
    win.assign([0])
    pipe.handle(_fail(0, "alice", 0, 0))
    pos[0] = 1
    win.revoke([0], pipe.checkpoint)
    assert [] == list(win.engines)
    assert {0: (1, 1)} == store.offsets()
    rows = conn.execute("SELECT rule, key FROM partition_state").fetchall()
    assert [("fails", '["alice"]')] == [tuple(r) for r in rows]
    conn.close()


def test_group_windows_store_one_engine_with_every_offset(tmp_path, store_url):
    """Without --key-field: one engine's windows and each partition's offset resume together."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "fails.yaml").write_text(RULE)
    rules = load_rules(tmp_path / "rules")

    def member(positions):
        conn = open_store(tmp_path / "store", store=store_url)
        engine = DetectionEngine(rules, track_dirty=True)
        windows = GroupWindows(
            PartitionStore(conn, "g", "t", "m"),
            StateStore(conn).bind(engine),
            engine,
            lambda: dict(positions),
        )
        pipe = Pipeline(engine, conn=conn, windows=windows)
        pipe.restore()
        return conn, windows, pipe

    conn, windows, pipe = member({0: 2, 1: 2})
    assert {} == windows.assign([0, 1])
    for i, part in enumerate((0, 0, 1, 1)):  # one account's failures on both partitions
        pipe.handle(_fail(i, "alice", part, i // 2))
    pipe.checkpoint()
    conn.close()
    conn, windows, pipe = member({})
    assert {0: 2, 1: 2} == windows.assign([0, 1])
    assert ["fails"] == [a["rule"] for a in pipe.handle(_fail(9, "alice", 1, 2))]
    conn.close()


def test_alert_recorded_but_not_acted_on_goes_to_the_responder_again(tmp_path, store_url):
    """Killed between storing an alert and acting on it: the replayed alert reaches responders."""
    calls: list[str] = []

    def respond(alert):
        calls.append(alert.id)
        return []  # the responder found it handled: nothing new to report

    conn, _store, windows, _pipe = _member(tmp_path, store_url, "b", {})
    windows.assign([0])
    pipe = Pipeline(windows, conn=conn, windows=windows, respond=respond)
    probe = DetectionEngine(load_rules(tmp_path / "rules"))
    (alert,) = [a for i in range(5) for a in probe.process(_fail(i, "alice", 0, i))]
    conn.execute(
        "INSERT INTO alerts (id, rule, rule_version, severity, keys, key_text, count,"
        " first_seen, last_seen, created_at, evidence) VALUES (?, 'fails', '1', 'high',"
        " '{}', '', 5, 0, 0, 0, '{}')",
        (alert.id,),
    )
    conn.commit()
    out = [d for i in range(5) for d in pipe.handle(_fail(i, "alice", 0, i))]
    assert [alert.id] == calls
    assert [] == out
    assert 1 == pipe.duplicates
    conn.execute("INSERT INTO actions (alert_id, action, target, outcome, created_at)"
                 " VALUES (?, 'revoke_account', 'alice', 'done', 0)", (alert.id,))  # fmt: skip
    conn.commit()
    replay = Pipeline(_member(tmp_path, store_url, "c", {})[2], conn=conn, respond=respond)
    replay.engine.assign([0])  # type: ignore[attr-defined]
    assert [] == [d for i in range(5) for d in replay.handle(_fail(i, "alice", 0, i))]
    assert [alert.id] == calls  # acted on: not handed to the responder again
    conn.close()


def test_postgres_tables_come_from_migration_4_and_store_errors_are_store_errors(tmp_path, pg_url):
    """On PostgreSQL the partition tables are a migration step; a failing claim is a StoreError."""
    from logward_base.errors import StoreError

    conn = open_store(tmp_path / "store", store=pg_url)
    rows = conn.execute("SELECT description FROM schema_migrations WHERE version = 4").fetchall()
    assert 1 == len(rows)
    assert "partition_offsets" in rows[0][0]
    conn.execute("DROP TABLE partition_state")
    store = PartitionStore(conn, "g", "t", "m")  # no CREATE at run time on PostgreSQL
    with pytest.raises(StoreError, match="cannot claim partition 0"):
        store.claim(0, DetectionEngine([], track_dirty=True))
    missing = conn.execute("SELECT to_regclass('partition_state') IS NULL").fetchone()
    assert [True] == [bool(missing[0])]
    conn.close()
