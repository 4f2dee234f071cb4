"""Batched writes on PostgreSQL: COPY for plain inserts, a staged upsert, replay after a loss."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from monitor import open_store
from tests._services import PostgresServer

pytestmark = pytest.mark.integration

_UPSERT = (
    "INSERT INTO window_state (rule, key, state, updated) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (rule, key) DO UPDATE SET state = excluded.state, updated = excluded.updated"
)
_RATE = (
    "INSERT INTO rates (minute, kind, key, count) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (minute, kind, key) DO UPDATE SET count = count + excluded.count"
)


def _raw(pg_url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def test_many_plain_inserts_go_in_whole_and_encrypted(pg_url: str, tmp_path: Path) -> None:
    """Many event rows (bools among them) are stored whole, personal columns as ciphertext."""
    conn = open_store(tmp_path, store=pg_url)
    rows = [
        (float(i), "auth", "login", "failure", f"user{i}", "203.0.113.9", True, f'{{"i":{i}}}')
        for i in range(5)
    ]
    changed = conn.executemany(
        "INSERT INTO events (ts, category, action, outcome, user_name, source_ip, count, doc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    ).rowcount
    conn.commit()
    back = conn.execute("SELECT user_name, source_ip, count FROM events ORDER BY ts").fetchall()
    conn.close()
    assert 5 == changed
    assert [(f"user{i}", "203.0.113.9", 1) for i in range(5)] == [tuple(r) for r in back]
    stored = _raw(pg_url, "SELECT user_name, source_ip, doc FROM events")
    assert all(str(v).startswith("enc1:") for row in stored for v in row)


def test_upserts_in_one_transaction_update_and_add(pg_url: str, tmp_path: Path) -> None:
    """Two upsert batches in one transaction: the second updates and adds; counters add up."""
    conn = open_store(tmp_path, store=pg_url)
    conn.executemany(_UPSERT, [("r", f"k{i}", '{"n":1}', 1.0) for i in range(3)])
    conn.executemany(_UPSERT, [("r", f"k{i}", '{"n":2}', 2.0) for i in range(1, 5)])
    conn.executemany(_RATE, [(60.0, "fail", "a", 2), (60.0, "fail", "b", 1)])
    conn.commit()
    conn.executemany(_RATE, [(60.0, "fail", "a", 3), (60.0, "fail", "a", 4)])  # repeated key
    conn.commit()
    states = dict(conn.execute("SELECT key, state FROM window_state").fetchall())
    rates = dict(conn.execute("SELECT key, count FROM rates").fetchall())
    conn.close()
    assert {"k0": '{"n":1}', **{f"k{i}": '{"n":2}' for i in range(1, 5)}} == states
    assert {"a": 9, "b": 1} == rates
    assert all(str(k).startswith("enc1:") for (k,) in _raw(pg_url, "SELECT key FROM rates"))


def test_replayed_batch_is_encrypted_once(
    pg_server: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    """An upsert batch lost with the server is replayed from plaintext: it reads back as written."""
    conn = open_store(tmp_path, store=pg_url)
    conn.executemany(_UPSERT, [("r", f"k{i}", '{"n":3}', 3.0) for i in range(4)])
    pg_server.stop()
    pg_server.start()
    conn.commit()
    states = dict(conn.execute("SELECT key, state FROM window_state").fetchall())
    conn.close()
    assert {f"k{i}": '{"n":3}' for i in range(4)} == states
