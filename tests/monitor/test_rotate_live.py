"""`logward keys rotate` while a real `monitor run` is being fed: nothing lost, no restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from logward_base.errors import KeyMaterialError
from monitor import open_store, store_key_of
from tests.monitor._bytescan import plaintext_hits
from tests.monitor.test_store_crypto import ACCOUNTS, ADDRESSES, logward

BATCHES = 40
PER_BATCH = 25


def _line(n: int) -> str:
    """One distinctive access event; ``n`` makes every line (and timestamp) unique."""
    return json.dumps(
        {
            "@timestamp": f"2026-11-30T10:{n // 600 % 60:02d}:{n // 10 % 60:02d}.{n % 10}00Z",
            "source": {"ip": ADDRESSES[n % len(ADDRESSES)]},
            "user": {"name": ACCOUNTS[n % len(ACCOUNTS)]},
            "event": {"category": "authentication", "action": "login", "outcome": "failure"},
        }
    )


def _events(data) -> int:
    conn = open_store(data)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def _wait_for(predicate, what: str, proc=None, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"monitor exited {proc.returncode}: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def running(tmp_path):
    """A `monitor run` following an access log, on a fresh encrypted store."""
    data = tmp_path / "data"
    log = tmp_path / "access.jsonl"
    log.write_text(_line(0) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGWARD_STORE_KEY")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "logward", "monitor", "run", "--format", "json",
         "--follow", str(log), "--from-start", "--data-dir", str(data),
         "--checkpoint-seconds", "0.05"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        _wait_for(lambda: (data / "store.key").exists() and _events(data) == 1, "first event", proc)
        yield data, log, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=30)


def test_rotation_under_a_fed_monitor_loses_nothing_and_retires_the_old_key(running):
    """Two rotations while lines stream in: every event stored, monitor alive, old key dead."""
    data, log, proc = running
    old_key = (data / "store.key").read_text()
    fed = [1]
    rotated = threading.Event()

    def feed() -> None:
        """Append batches before, during and (at least 5) after the rotations."""
        after = 0
        with log.open("a", encoding="utf-8") as out:
            while after < 5 or fed[0] < 1 + BATCHES * PER_BATCH:
                out.write("".join(_line(fed[0] + i) + "\n" for i in range(PER_BATCH)))
                out.flush()
                fed[0] += PER_BATCH
                after += rotated.is_set()
                time.sleep(0.05)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        _wait_for(lambda: _events(data) > 1, "events before the rotation", proc)
        rotations = [logward("keys", "rotate", "--data-dir", str(data)) for _ in range(2)]
    finally:
        rotated.set()
        feeder.join()
    for result in rotations:
        assert 0 == result.returncode, result.stderr
    assert rotations[0].stdout != rotations[1].stdout
    total = fed[0]
    _wait_for(lambda: _events(data) >= total, f"{total} events", proc)
    assert total == _events(data)
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    new_id = json.loads(rotations[1].stdout)["new_key_id"]
    conn = open_store(data)
    assert new_id == store_key_of(conn).key_id
    assert new_id == conn.execute("SELECT v FROM meta WHERE k = 'store_key_id'").fetchone()[0]
    conn.close()
    assert 1 == len([ln for ln in (data / "store.key").read_text().splitlines() if ln[:1] != "#"])
    stale = data.parent / "old.key"
    stale.write_text(old_key)
    stale.chmod(0o600)
    with pytest.raises(KeyMaterialError, match="cannot decrypt"):
        open_store(data, key_file=stale)
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err
    assert "reconnected under key" in err
    assert {} == plaintext_hits(data, ACCOUNTS + ADDRESSES)


def test_an_open_connection_keeps_reading_and_writing_across_a_rotation(tmp_path):
    """A long-lived connection (as the dashboard's) follows the rotation by itself."""
    data = tmp_path / "data"
    reader = open_store(data)
    reader.execute("INSERT INTO meta (k, v) VALUES ('probe', '1')")
    reader.commit()
    result = logward("keys", "rotate", "--data-dir", str(data))
    assert 0 == result.returncode, result.stderr
    assert "1" == reader.execute("SELECT v FROM meta WHERE k = 'probe'").fetchone()[0]
    reader.execute("UPDATE meta SET v = '2' WHERE k = 'probe'")
    reader.commit()
    assert json.loads(result.stdout)["new_key_id"] == store_key_of(reader).key_id
    reader.close()
    check = open_store(data)
    assert "2" == check.execute("SELECT v FROM meta WHERE k = 'probe'").fetchone()[0]
    check.close()


def test_an_env_key_connection_is_told_to_restart(tmp_path, monkeypatch):
    """A key from $LOGWARD_STORE_KEY cannot follow a rotation: the error says to restart."""
    import base64

    data = tmp_path / "data"
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("LOGWARD_STORE_KEY", key)
    conn = open_store(data)
    new = tmp_path / "new.key"
    new.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    new.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "LOGWARD_STORE_KEY_FILE"}
    done = subprocess.run(
        [sys.executable, "-m", "logward", "keys", "rotate", "--data-dir", str(data),
         "--new-key-file", str(new)],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert 0 == done.returncode, done.stderr
    assert "restart processes" in done.stderr
    with pytest.raises(KeyMaterialError, match="restart this process with the new key"):
        conn.execute("SELECT count(*) FROM meta")
    conn.close()


def test_two_rotations_at_once_both_succeed_in_turn(tmp_path):
    """Concurrent `keys rotate` runs serialise on the write lock; the store ends on the last key."""
    data = tmp_path / "data"
    open_store(data).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGWARD_STORE_KEY")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "logward", "keys", "rotate", "--data-dir", str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [0, 0] == [p.returncode for p in procs], outs
    ids = [json.loads(out) for out, _ in outs]
    conn = open_store(data)
    current = store_key_of(conn).key_id
    history = conn.execute("SELECT v FROM meta WHERE k = 'store_key_history'").fetchone()[0]
    conn.close()
    assert current in {i["new_key_id"] for i in ids}
    assert 2 == len(set(history.split()))  # each rotation started from the key it found
    assert {i["old_key_id"] for i in ids} == set(history.split())
