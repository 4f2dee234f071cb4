"""A PostgreSQL store that goes away mid-run: the monitor pauses, then resumes without loss.

The server is stopped while the monitor is between store transactions (the
documented pause path); a connection lost inside a transaction stops the
monitor with an error instead, and a restart resumes from its last checkpoint.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import psycopg.errors
import pytest

from monitor import open_store
from tests._services import PostgresServer

ROOT = Path(__file__).resolve().parents[3]


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _lines(first: int, n: int) -> str:
    out = []
    for j in range(first, first + n):
        out.append(
            f"Nov 27 10:{j // 60:02d}:{j % 60:02d} bastion sshd[{2000 + j}]: Failed password"
            f" for user{j} from 192.0.2.{j % 200 + 1} port {40000 + j} ssh2\n"
        )
    return "".join(out)


def _position(url: str) -> int:
    """The followed line position the monitor last checkpointed (-1 if none)."""
    key_dir = Path(os.environ["LOGWARD_STORE_KEY_FILE"]).parent  # meta values are encrypted
    conn = open_store(key_dir, store=url, readonly=True)
    try:
        row = conn.execute("SELECT v FROM meta WHERE k LIKE 'follow:%'").fetchone()
    finally:
        conn.close()
    return -1 if row is None else int(json.loads(row[0])["line"])


def _stored(url: str) -> tuple[int, int]:
    """(events, distinct file:line pairs); (-1, -1) while the server is down."""
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT file || ':' || line) FROM events"
            ).fetchone()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return -1, -1
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.mark.timeout(240)
def test_store_outage_pauses_the_monitor_and_loses_nothing(
    pg_server: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    """Server stopped mid-run: events read meanwhile are stored once it is back, none twice."""
    log = tmp_path / "auth.log"
    log.write_text("", encoding="utf-8")
    err = tmp_path / "err.txt"
    with err.open("w") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "logward", "monitor", "run", "--format", "sshd",
             "--year", "2024", "--follow", str(log), "--data-dir", str(tmp_path / "data"),
             "--store", pg_url, "--retention", "36500d"],
            stdout=subprocess.DEVNULL, stderr=err_file, cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    try:
        assert _wait(lambda: "monitoring" in err.read_text(), 60), err.read_text()
        with log.open("a", encoding="utf-8") as handle:
            handle.write(_lines(0, 20))
        assert _wait(lambda: (20, 20) == _stored(pg_url), 60), err.read_text()
        # Between transactions (its checkpoint is done); a loss inside one stops the
        # monitor instead (it resumes from that checkpoint when restarted).
        assert _wait(lambda: 20 == _position(pg_url), 60), err.read_text()
        pg_server.stop()
        with log.open("a", encoding="utf-8") as handle:
            handle.write(_lines(20, 20))
        assert _wait(lambda: "unreachable" in err.read_text(), 60), err.read_text()
        assert proc.poll() is None, err.read_text()
        pg_server.start()
        assert _wait(lambda: (40, 40) == _stored(pg_url), 60), err.read_text()
        assert proc.poll() is None
    finally:
        if (
            pg_server.workdir.exists()
            and not (pg_server.workdir / "data" / "postmaster.pid").exists()
        ):
            pg_server.start()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert 0 == code, err.read_text()
    assert (40, 40) == _stored(pg_url)


def test_lost_transaction_of_idempotent_writes_is_replayed(
    pg_server: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    """Upserts and deletes lost with the server are replayed on commit once it is back."""
    from monitor import open_store

    conn = open_store(tmp_path, store=pg_url)
    conn.execute("INSERT INTO meta (k, v) VALUES ('gone', 'x')")
    conn.commit()
    conn.execute(
        "INSERT INTO meta (k, v) VALUES ('offset', '41') ON CONFLICT (k)"
        " DO UPDATE SET v = excluded.v"
    )
    conn.executemany("DELETE FROM meta WHERE k = ?", [("gone",), ("none",)])
    pg_server.stop()
    pg_server.start()
    conn.commit()
    rows = dict(conn.execute("SELECT k, v FROM meta WHERE k IN ('gone', 'offset')").fetchall())
    conn.close()
    assert {"offset": "41"} == rows


def test_lost_transaction_that_appended_events_is_an_error_and_stores_nothing(
    pg_server: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    """A lost transaction unsafe to replay raises OperationalError; nothing is half-written."""
    import sqlite3

    from monitor import open_store

    conn = open_store(tmp_path, store=pg_url)
    conn.execute(
        "INSERT INTO events (ts, category, action, outcome, doc) VALUES (1.0, 'a', 'b', 'c', '{}')"
    )
    pg_server.stop()
    pg_server.start()
    with pytest.raises(sqlite3.OperationalError, match=r"AdminShutdown|connection lost"):
        conn.commit()
    assert not conn.in_transaction
    assert 0 == conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
