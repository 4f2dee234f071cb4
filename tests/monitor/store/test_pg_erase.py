"""Erasure, pruning and stats on the PostgreSQL store (real PostgreSQL 15, never mocked)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from monitor import open_store
from tests.monitor.store.test_pg_store import GOLDEN, _logward


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]


def _dump(url: str) -> str:
    """Every row of every table in the store's schema, as text (as stored: encrypted)."""
    with psycopg.connect(url) as conn:
        return "\n".join(
            repr(row)
            for table in _tables(url)
            for row in conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608
        )


def _readable(url: str, data_dir: Path) -> str:
    """Every row of every table as logward reads it (personal fields decrypted)."""
    conn = open_store(data_dir, store=url, readonly=True)
    try:
        return "\n".join(
            repr(tuple(row))
            for table in _tables(url)
            for row in conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
        )
    finally:
        conn.close()


def test_erase_on_postgres_leaves_no_trace_and_the_chain_verifies(
    pg_url: str, tmp_path: Path
) -> None:
    """`erase --ip --store postgresql://...` leaves the address in no table; audit verifies."""
    log = GOLDEN / "brute-force-ip" / "input.log"
    text = log.read_text(encoding="utf-8")
    attacker = "203.0.113.10"
    assert attacker in text
    done = _logward("monitor", "replay", "--format", "sshd", "--year", "2024",
                    "--store", pg_url, "--data-dir", str(tmp_path), str(log))  # fmt: skip
    assert 0 == done.returncode, done.stderr
    assert attacker in _readable(pg_url, tmp_path)
    assert attacker not in _dump(pg_url)  # encrypted at rest
    erase = _logward("erase", "--ip", attacker, "--actor", "dpo", "--reason", "ticket 7",
                     "--store", pg_url, "--data-dir", str(tmp_path))  # fmt: skip
    assert 0 == erase.returncode, erase.stderr
    assert attacker not in erase.stdout + erase.stderr
    assert attacker not in _readable(pg_url, tmp_path)
    assert attacker not in _dump(pg_url)
    verify = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(tmp_path))
    assert 0 == verify.returncode, verify.stderr


def test_prune_and_stats_on_postgres(pg_url: str, tmp_path: Path) -> None:
    """`store prune` removes the old events on PostgreSQL; `store stats` counts what is left."""
    log = GOLDEN / "brute-force-ip" / "input.log"
    done = _logward("monitor", "replay", "--format", "sshd", "--year", "2024",
                    "--store", pg_url, "--data-dir", str(tmp_path), str(log))  # fmt: skip
    assert 0 == done.returncode, done.stderr
    before = _logward("store", "stats", "--format", "json", "--store", pg_url,
                      "--data-dir", str(tmp_path))  # fmt: skip
    assert 0 == before.returncode, before.stderr
    assert 0 < json.loads(before.stdout)["events"]["count"]
    prune = _logward("store", "prune", "--older-than", "30d", "--store", pg_url,
                     "--data-dir", str(tmp_path))  # fmt: skip
    assert 0 == prune.returncode, prune.stderr
    after = _logward("store", "stats", "--format", "json", "--store", pg_url,
                     "--data-dir", str(tmp_path))  # fmt: skip
    assert 0 == json.loads(after.stdout)["events"]["count"]
    verify = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(tmp_path))
    assert 0 == verify.returncode, verify.stderr
