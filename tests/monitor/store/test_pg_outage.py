"""A PostgreSQL store that goes away mid-run: the monitor pauses, then resumes without loss."""

from __future__ import annotations

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
    return "".join(
        f"Nov 27 10:{(first + i) // 60:02d}:{(first + i) % 60:02d} bastion sshd[{2000 + first + i}]:"
        f" Failed password for user{first + i} from 192.0.2.{(first + i) % 200 + 1} port 4{i:04d} ssh2\n"
        for i in range(n)
    )


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
