"""`logward monitor parse|replay|run|baseline` command shapes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from logward.cli import main
from monitor import open_store

GOLDEN = Path(__file__).parents[2] / "monitor" / "golden"
BRUTE = GOLDEN / "brute-force-ip" / "input.log"
API = GOLDEN / "api-rate-per-account" / "input.log"
REQUIRED = {"rule", "severity", "keys", "count", "first_seen", "last_seen", "actions"}


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_parse_prints_ecs_objects_with_line_numbers(capsys):
    """One ECS JSON object per recognised line, with its 1-based line number."""
    code, docs, _ = run_cli(
        capsys, "monitor", "parse", "--format", "sshd", "--year", "2024", str(BRUTE)
    )
    assert 0 == code
    assert 26 == len(docs)
    assert 2 == docs[0]["line"]
    assert ("203.0.113.10", "failure") == (docs[0]["source.ip"], docs[0]["event.outcome"])
    assert "2024-11-27T10:00:00.000Z" == docs[0]["@timestamp"]


def test_replay_prints_alerts_with_actions(capsys):
    """Replay prints each alert with the required fields and its actions."""
    code, docs, _ = run_cli(
        capsys, "monitor", "replay", "--format", "sshd", "--year", "2024", str(BRUTE)
    )
    assert 0 == code
    brute = [d for d in docs if d["rule"] == "brute-force-ip"]
    assert 1 == len(brute)
    assert REQUIRED <= set(brute[0])
    assert {"source.ip": "203.0.113.10"} == brute[0]["keys"]
    assert isinstance(brute[0]["actions"], list)


def test_replay_dry_run_simulates(capsys):
    """With --dry-run no action is taken for real."""
    code, docs, _ = run_cli(
        capsys,
        "monitor",
        "replay",
        "--dry-run",
        "--format",
        "sshd",
        "--year",
        "2024",
        str(GOLDEN / "success-after-failures" / "input.log"),
    )
    assert 0 == code
    actions = [a for d in docs for a in d["actions"]]
    revokes = [a for a in actions if a["action"] in ("revoke_account", "deny_ip")]
    assert revokes
    assert {"simulated"} == {a["outcome"] for a in revokes}


def test_replay_with_data_dir_persists_and_does_not_refire(capsys, tmp_path):
    """With --data-dir a second replay of the same file raises nothing new."""
    argv = ["monitor", "replay", "--data-dir", str(tmp_path), "--format", "sshd", "--year", "2024"]
    code, first, _ = run_cli(capsys, *argv, str(BRUTE))
    assert (0, True) == (code, len(first) > 0)
    code, second, _ = run_cli(capsys, *argv, str(BRUTE))
    assert (0, []) == (code, second)
    conn = open_store(tmp_path)
    assert len(first) == conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    conn.close()


def test_replay_keeps_progress_per_source_and_reports_skips(capsys, tmp_path):
    """A second host's older log replayed into the same store is stored; repeats are counted."""
    data = tmp_path / "data"
    argv = ["monitor", "replay", "--data-dir", str(data), "--format", "sshd", "--year", "2024"]
    lines = [x for x in BRUTE.read_text().splitlines() if not x.startswith("#")]
    later = [x.replace("Nov 27 10:", "Nov 27 12:") for x in lines]
    (tmp_path / "a.log").write_text("\n".join(later) + "\n")
    (tmp_path / "b.log").write_text("\n".join(lines) + "\n")  # two hours older
    assert 0 == run_cli(capsys, *argv, str(tmp_path / "a.log"))[0]
    code, _, err = run_cli(capsys, *argv, str(tmp_path / "b.log"))
    assert 0 == code
    assert '"skipped_seen": 0, "skipped_late": 0' in err
    code, docs, err = run_cli(capsys, *argv, str(tmp_path / "b.log"))
    assert (0, []) == (code, docs)
    assert f'"skipped_seen": {len(lines)}, "skipped_late": 0' in err
    conn = open_store(data)
    assert 2 * len(lines) == conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    conn.close()


def test_replay_drops_events_older_than_the_lateness(capsys, tmp_path):
    """With --lateness 1h, a log two hours older than the newest stored event is skipped."""
    data = tmp_path / "data"
    argv = ["monitor", "replay", "--data-dir", str(data), "--format", "sshd", "--year", "2024"]
    lines = [x for x in BRUTE.read_text().splitlines() if not x.startswith("#")]
    later = [x.replace("Nov 27 10:", "Nov 27 12:") for x in lines]
    (tmp_path / "a.log").write_text("\n".join(later) + "\n")
    (tmp_path / "b.log").write_text("\n".join(lines) + "\n")
    assert 0 == run_cli(capsys, *argv, str(tmp_path / "a.log"))[0]
    code, docs, err = run_cli(capsys, *argv, "--lateness", "1h", str(tmp_path / "b.log"))
    assert (0, []) == (code, docs)
    assert f'"skipped_seen": 0, "skipped_late": {len(lines)}' in err


def test_bad_rule_file_is_a_clear_error(capsys, tmp_path):
    """An invalid rule exits 2 with file, rule and field named."""
    (tmp_path / "bad.yaml").write_text(
        "name: bad\ntype: threshold\nseverity: high\nmatch: {event.outcome: failure}\n"
        "group_by: [source.ip]\nthreshold: 3\nwindow: 5m\ncolor: red\n"
    )
    code, _, err = run_cli(
        capsys, "monitor", "replay", "--rules", str(tmp_path), "--format", "sshd", str(BRUTE)
    )
    assert 2 == code
    assert "bad.yaml" in err
    assert "'color'" in err


def test_unknown_format_and_missing_file(capsys, tmp_path):
    """Usage errors exit 2 with a message."""
    code, _, err = run_cli(capsys, "monitor", "parse", "--format", "nope", str(BRUTE))
    assert 2 == code
    assert "nope" in err
    code, _, err = run_cli(capsys, "monitor", "parse", "--format", "sshd", str(tmp_path / "x"))
    assert 2 == code
    assert "no such file" in err


def test_baseline_stores_per_key_state(capsys, tmp_path):
    """baseline fits per-account and per-address rates with pandas and stores them."""
    code, docs, _ = run_cli(
        capsys, "monitor", "baseline", "--data-dir", str(tmp_path), "--format", "combined", str(API)
    )
    assert 0 == code
    assert [("api-rate-per-account", 3), ("request-rate-per-ip", 3)] == [
        (d["rule"], d["keys"]) for d in docs
    ]
    conn = open_store(tmp_path)
    rows = dict(
        conn.execute(
            "SELECT key, state FROM window_state WHERE rule = 'api-rate-per-account'"
        ).fetchall()
    )
    bob = json.loads(rows['["bob"]'])
    assert (-1, 41) == (bob["b"], bob["n"])
    assert pytest.approx(10.0) == bob["m"]
    conn.close()


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _follow_argv(log: Path, data: Path, *extra: str) -> list[str]:
    """``logward monitor run --follow`` on an sshd log (2024) with a data directory."""
    return [
        sys.executable, "-m", "logward", "monitor", "run", "--format", "sshd",
        "--year", "2024", "--follow", str(log), "--data-dir", str(data),
        "--retention", "36500d",  # 2024 events must outlive the 365-day pruning
        *extra,
    ]  # fmt: skip


def _stored(data: Path) -> tuple[int, int, int]:
    """(events stored, distinct (file, line) pairs, followed line position) in a data dir."""
    conn = open_store(data)
    try:
        n, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT file || ':' || line) FROM events"
        ).fetchone()
        row = conn.execute("SELECT v FROM meta WHERE k LIKE 'follow:%'").fetchone()
    finally:
        conn.close()
    return n, distinct, json.loads(row[0])["line"] if row is not None else -1


def _start_follow(log: Path, data: Path, tmp_path: Path, tag: str) -> subprocess.Popen[bytes]:
    """Start ``run --follow`` and wait until it has announced that it is monitoring."""
    out = (tmp_path / f"out{tag}.jsonl").open("w")
    err = (tmp_path / f"err{tag}.txt").open("w")
    proc = subprocess.Popen(
        _follow_argv(log, data),
        stdout=out,
        stderr=err,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    out.close()
    err.close()
    if not _wait(lambda: "monitoring" in (tmp_path / f"err{tag}.txt").read_text(), 20):
        proc.kill()
        proc.wait()
        pytest.fail("run --follow did not start")
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.integration
def test_run_follow_alerts_live_and_stops_on_sigterm(tmp_path):
    """run --follow alerts on appended lines; SIGTERM at any point stores exactly what was read.

    SIGTERM stops after the current event, so it may land before every appended
    line was read (it did once: 15 of 31 stored). What must hold is that the
    checkpoint on the way out stores each event read, with the position just past
    it, and that a restart resumes there: every line stored once, none twice.
    """
    log = tmp_path / "auth.log"
    log.write_text("")
    data = tmp_path / "data"
    lines = BRUTE.read_text().splitlines()
    events = [i for i, line in enumerate(lines, 1) if not line.startswith("#")]
    proc = _start_follow(log, data, tmp_path, "1")
    try:
        with log.open("a") as fh:
            fh.write("\n".join(lines[:6]) + "\n")
            fh.flush()
            time.sleep(0.3)  # two writes: the follower sees a file grow in steps
            fh.write("\n".join(lines[6:]) + "\n")
        assert _wait(lambda: "brute-force-ip" in (tmp_path / "out1.jsonl").read_text(), 10)
    finally:
        code = _stop(proc)
    assert 0 == code
    stored, distinct, position = _stored(data)
    assert len([i for i in events if i <= position]) == stored == distinct
    conn = open_store(data)
    assert conn.execute("SELECT COUNT(*) FROM window_state").fetchone()[0] > 0
    conn.close()
    proc = _start_follow(log, data, tmp_path, "2")
    try:
        assert _wait(lambda: _stored(data)[0] == len(events), 20)
    finally:
        code = _stop(proc)
    assert 0 == code
    assert (len(events), len(events), len(lines)) == _stored(data)


def test_fitted_baseline_is_used_by_replay(capsys, tmp_path):
    """After `baseline`, a replay flags a spike at once: no warm-up needed for that account."""
    data = str(tmp_path / "data")
    history = [line for line in API.read_text().splitlines() if " bob " in line]
    (tmp_path / "history.log").write_text("\n".join(history) + "\n")
    code, _, _ = run_cli(
        capsys,
        "monitor",
        "baseline",
        "--data-dir",
        data,
        "--format",
        "combined",
        str(tmp_path / "history.log"),
    )
    assert 0 == code
    request = '"GET /api/orders HTTP/1.1" 200 5 "-" "x"'
    spike = [f"10.0.0.6 - bob [28/Nov/2024:09:00:{s // 2:02d} +0000] {request}" for s in range(60)]
    (tmp_path / "spike.log").write_text("\n".join(spike) + "\n")
    code, docs, _ = run_cli(
        capsys,
        "monitor",
        "replay",
        "--dry-run",
        "--data-dir",
        data,
        "--format",
        "combined",
        str(tmp_path / "spike.log"),
    )
    assert 0 == code
    rate = [d for d in docs if d["rule"] == "api-rate-per-account"]
    assert [({"user.name": "bob"}, "baseline", 30)] == [
        (d["keys"], d["labels"]["reason"], d["count"]) for d in rate
    ]


def test_run_needs_exactly_one_source(capsys, tmp_path):
    """run without a source, or with both kinds, is a usage error."""
    base = ["monitor", "run", "--format", "sshd", "--data-dir", str(tmp_path)]
    code, _, err = run_cli(capsys, *base)
    assert (2, True) == (code, "--follow" in err)
    code, _, err = run_cli(capsys, *base, "--follow", "x.log", "--topic", "t")
    assert 2 == code
    code, _, err = run_cli(capsys, *base, "--kafka-bootstrap", "127.0.0.1:1", "--topic", "t")
    assert (2, True) == (code, "--group-id" in err)


class _Monitor:
    """A `logward monitor run --follow` subprocess writing to files under tmp_path."""

    def __init__(self, tmp_path: Path, log: Path, data: Path, tag: str) -> None:
        self.out = tmp_path / f"{tag}.out"
        self.err = tmp_path / f"{tag}.err"
        self._handles = [self.out.open("w"), self.err.open("w")]
        self.proc = subprocess.Popen(
            _follow_argv(log, data, "--dry-run"),
            stdout=self._handles[0],
            stderr=self._handles[1],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert _wait(lambda: "monitoring" in self.err.read_text(), 20)

    def alerts(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.out.read_text().splitlines()]

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for h in self._handles:
                h.close()


@pytest.mark.integration
def test_run_restart_resumes_window_and_position(tmp_path):
    """Stop mid-attack, lines arrive while down, restart: one alert counting all, no re-read."""
    log = tmp_path / "auth.log"
    log.write_text("")
    data = tmp_path / "data"
    attack = [x for x in BRUTE.read_text().splitlines() if "203.0.113.10 " in x]
    first = _Monitor(tmp_path, log, data, "first")
    with log.open("a") as fh:
        fh.write("\n".join(attack[:3]) + "\n")
    conn = open_store(data)
    assert _wait(lambda: 3 == conn.execute("SELECT COUNT(*) FROM events").fetchone()[0], 10)
    assert 0 == first.stop()
    assert [] == first.alerts()
    with log.open("a") as fh:
        fh.write("\n".join(attack[3:]) + "\n")
    second = _Monitor(tmp_path, log, data, "second")
    assert _wait(lambda: 12 == conn.execute("SELECT COUNT(*) FROM events").fetchone()[0], 10)
    assert 0 == second.stop()
    brute = [a for a in second.alerts() if a["rule"] == "brute-force-ip"]
    assert [(5, "2024-11-27T10:00:00.000Z")] == [(a["count"], a["first_seen"]) for a in brute]
    assert 12 == conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    conn.close()
