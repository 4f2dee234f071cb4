"""The store is encrypted at rest (SQLCipher, AES-256): keys, wrong keys, byte scans, rotation."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from logward_base.errors import KeyMaterialError, StoreError
from monitor import AuditLog, open_store, store_key_of
from tests.monitor._bytescan import plaintext_hits

ACCOUNTS = ["quintessa.vandermolen", "zebulon.okonkwo-hart", "admin-xq7"]
ADDRESSES = ["198.51.100.173", "203.0.113.219", "2001:db8:beef::4242"]


def _line(ts: str, ip: str, user: str, outcome: str) -> str:
    return json.dumps(
        {
            "@timestamp": ts,
            "source": {"ip": ip},
            "user": {"name": user},
            "user_agent": {"original": f"curl/8.0 ({user})"},
            "event": {"category": "authentication", "action": "login", "outcome": outcome},
        }
    )


def write_log(path: Path) -> Path:
    """A log where each distinctive address fails many logins on each distinctive account."""
    lines = []
    for minute in range(3):
        for i, ip in enumerate(ADDRESSES):
            for sec, user in enumerate(ACCOUNTS):
                for n in range(4):
                    ts = f"2026-11-30T10:{minute:02d}:{i * 10 + sec * 3 + n:02d}Z"
                    lines.append(_line(ts, ip, user, "failure"))
    lines.append(_line("2026-11-30T10:05:00Z", ADDRESSES[0], ACCOUNTS[0], "success"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def logward(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m logward ARGS`` as a real process."""
    full = {**os.environ, **(env or {})}
    full.pop("LOGWARD_STORE_KEY", None)
    full.pop("LOGWARD_STORE_KEY_FILE", None)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "logward", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=full,
    )


@pytest.fixture
def replayed(tmp_path):
    """A data dir after `monitor replay` of the distinctive log (alerts, actions, audit)."""
    data = tmp_path / "data"
    log = write_log(tmp_path / "access.jsonl")
    result = logward("monitor", "replay", "--format", "json", "--data-dir", str(data), str(log))
    assert 0 == result.returncode, result.stderr
    return data, result


def test_new_store_generates_an_owner_only_key_and_says_so(replayed):
    """A new store with no key gets store.key (0600) beside it, announced on stderr."""
    data, result = replayed
    key = data / "store.key"
    assert 0o600 == key.stat().st_mode & 0o777
    assert f"created a new store key {key}" in result.stderr
    assert 0o600 == (data / "monitor.db").stat().st_mode & 0o777


def test_replay_leaves_no_plaintext_address_or_account_in_any_file(replayed):
    """A byte scan of store, WAL and sidecars finds none of the fed-in identifiers."""
    data, result = replayed
    assert "brute" in result.stdout  # alerts did fire, so alerts/actions/audit hold subjects
    conn = open_store(data)
    assert 0 < conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    assert 0 < conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    assert {} == plaintext_hits(data, ACCOUNTS + ADDRESSES)


def test_open_writer_wal_holds_no_plaintext(tmp_path):
    """While a writer holds uncheckpointed pages in the WAL, the WAL is ciphertext too."""
    conn = open_store(tmp_path)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.executemany(
        "INSERT INTO events (ts, category, action, outcome, user_name, source_ip, doc)"
        " VALUES (1, 'authentication', 'login', 'failure', ?, ?, '{}')",
        [(ACCOUNTS[0], ADDRESSES[0])] * 500,
    )
    conn.commit()
    assert (tmp_path / "monitor.db-wal").stat().st_size > 0
    assert {} == plaintext_hits(tmp_path, ACCOUNTS + ADDRESSES)
    conn.close()


def test_plain_sqlite_cannot_read_the_store(replayed):
    """Without the key the file is not a database to sqlite3."""
    data, _ = replayed
    plain = sqlite3.connect(data / "monitor.db")
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT count(*) FROM events").fetchone()
    plain.close()


def test_missing_key_is_an_error_naming_the_key_file(replayed):
    """Losing store.key is a clear error naming the file, never a new empty store."""
    data, _ = replayed
    (data / "store.key").unlink()
    with pytest.raises(KeyMaterialError, match=str(data / "store.key")):
        open_store(data)
    result = logward("store", "stats", "--data-dir", str(data))
    assert 2 == result.returncode
    assert f"logward: error: {data / 'store.key'}: no store key" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (data / "store.key").exists()


def test_wrong_key_file_is_an_error_naming_it_and_both_key_ids(replayed, tmp_path):
    """A wrong key names its file and key id and the store's key id; nothing is created."""
    data, _ = replayed
    wrong = tmp_path / "wrong.key"
    wrong.write_text("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\n")  # 32 bytes
    wrong.chmod(0o600)
    recorded = (data / "monitor.db.keyid").read_text().strip()
    result = logward("store", "stats", "--data-dir", str(data), "--store-key-file", str(wrong))
    assert 2 == result.returncode
    assert f"cannot decrypt the store with the key from {wrong}" in result.stderr
    assert f"the store's key id is {recorded}" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_key_in_environment_is_named(replayed):
    """$LOGWARD_STORE_KEY with a wrong key is refused, naming the variable."""
    data, _ = replayed
    env = {"LOGWARD_STORE_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="}
    result = logward("audit", "verify", "--data-dir", str(data), env=env)
    assert 2 == result.returncode
    assert "with the key from $LOGWARD_STORE_KEY" in result.stderr


def test_group_readable_key_file_is_refused(replayed):
    """A key file others can read is refused (the seal key's rule)."""
    data, _ = replayed
    (data / "store.key").chmod(0o640)
    with pytest.raises(KeyMaterialError, match="accessible by group or others"):
        open_store(data)


def test_unencrypted_store_is_refused_not_read(tmp_path):
    """A plaintext SQLite file in place of the store is an error, never used as is."""
    plain = sqlite3.connect(tmp_path / "monitor.db")
    plain.execute("CREATE TABLE t (a)")
    plain.commit()
    plain.close()
    with pytest.raises(StoreError, match="not encrypted"):
        open_store(tmp_path)


def test_explicit_key_file_is_used_for_a_new_store(tmp_path):
    """--store-key-file for a new store encrypts with that key and writes no store.key."""
    key = tmp_path / "k"
    key.write_text("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\n")
    key.chmod(0o600)
    data = tmp_path / "data"
    conn = open_store(data, key_file=key)
    assert str(key) == store_key_of(conn).source
    conn.close()
    assert not (data / "store.key").exists()
    assert store_key_of(open_store(data, key_file=key)).key_id == (
        (data / "monitor.db.keyid").read_text().strip()
    )


def test_keys_rotate_reencrypts_and_records_key_ids(replayed):
    """rotate: new key file, old key no longer opens, data and chain intact, no plaintext."""
    data, _ = replayed
    old_key = (data / "store.key").read_text()
    before = open_store(data)
    events = before.execute("SELECT count(*) FROM events").fetchone()[0]
    old_id = store_key_of(before).key_id
    before.close()
    result = logward("keys", "rotate", "--data-dir", str(data))
    assert 0 == result.returncode, result.stderr
    out = json.loads(result.stdout)
    assert old_id == out["old_key_id"]
    assert old_id != out["new_key_id"]
    assert 0o600 == (data / "store.key").stat().st_mode & 0o777
    assert out["new_key_id"] == (data / "monitor.db.keyid").read_text().strip()
    conn = open_store(data)
    assert events == conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert AuditLog(conn).verify().ok
    rotate = conn.execute("SELECT detail FROM audit WHERE action = 'key_rotate'").fetchone()
    assert {"old_key_id": old_id, "new_key_id": out["new_key_id"]} == json.loads(rotate[0])
    conn.close()
    assert {} == plaintext_hits(data, ACCOUNTS + ADDRESSES)
    stale = data.parent / "old.key"
    stale.write_text(old_key)
    stale.chmod(0o600)
    with pytest.raises(KeyMaterialError, match="cannot decrypt"):
        open_store(data, key_file=stale)


def test_store_encrypt_converts_an_old_plaintext_store(tmp_path):
    """`store encrypt` turns a pre-encryption store into an encrypted one with the same rows."""
    from monitor import SCHEMA

    plain = sqlite3.connect(tmp_path / "monitor.db")
    plain.execute("PRAGMA journal_mode = WAL")
    plain.executescript(SCHEMA)
    plain.execute(
        "INSERT INTO events (ts, category, action, outcome, user_name, source_ip, doc)"
        " VALUES (1, 'authentication', 'login', 'failure', ?, ?, '{}')",
        (ACCOUNTS[1], ADDRESSES[2]),
    )
    plain.commit()
    plain.close()
    result = logward("store", "encrypt", "--data-dir", str(tmp_path))
    assert 0 == result.returncode, result.stderr
    conn = open_store(tmp_path)
    row = conn.execute("SELECT user_name, source_ip FROM events").fetchone()
    conn.close()
    assert (ACCOUNTS[1], ADDRESSES[2]) == tuple(row)
    assert {} == plaintext_hits(tmp_path, ACCOUNTS + ADDRESSES)


def test_readonly_open_reads_with_the_key_and_refuses_writes(replayed):
    """readonly=True decrypts with the same key and cannot write."""
    data, _ = replayed
    conn = open_store(data, readonly=True)
    assert 0 < conn.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(Exception, match="readonly"):
        conn.execute("DELETE FROM events")
    conn.close()


def test_every_command_with_data_dir_takes_store_key_file():
    """--store-key-file is accepted wherever --data-dir is (one option, added by the CLI)."""
    import argparse

    from logward.cli import build_parser

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, [*path, name])
        if "--data-dir" in parser._option_string_actions:
            yield path, "--store-key-file" in parser._option_string_actions

    found = {" ".join(p): ok for p, ok in walk(build_parser(), [])}
    assert {"monitor run", "dashboard", "report", "erase", "keys rotate"} <= set(found)
    assert [] == [name for name, ok in found.items() if not ok]
