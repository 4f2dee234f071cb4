"""Sources: file replay and tail -F across rotation (monitor._sources)."""

from __future__ import annotations

import gzip
import threading
import time
from pathlib import Path

from monitor import FollowSource, replay_file


def test_replay_file_numbers_lines_and_reads_gzip(tmp_path):
    """Lines come with 1-based numbers and the file name; .gz is read transparently."""
    plain = tmp_path / "a.log"
    plain.write_text("one\r\ntwo\nthree")
    packed = tmp_path / "b.log.gz"
    with gzip.open(packed, "wt") as fh:
        fh.write("x\ny\n")
    assert [("one", 1, str(plain)), ("two", 2, str(plain)), ("three", 3, str(plain))] == list(
        replay_file(plain)
    )
    assert ["x", "y"] == [line for line, _, _ in replay_file(packed)]


class Collector:
    """Runs a FollowSource in a thread and collects its lines."""

    def __init__(self, source: FollowSource) -> None:
        self.lines: list[tuple[str, int]] = []
        self.source = source
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for rec in self.source:
            if rec is not None:
                self.lines.append((rec[0], rec[1]))

    def wait_for(self, n: int, timeout: float = 5.0) -> list[tuple[str, int]]:
        deadline = time.monotonic() + timeout
        while len(self.lines) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.lines)


def append(path: Path, *lines: str) -> None:
    with path.open("a") as fh:
        for line in lines:
            fh.write(line + "\n")


def test_follow_starts_at_the_end_and_sees_appends(tmp_path):
    """Existing content is skipped (line numbers still count it); new lines arrive."""
    log = tmp_path / "auth.log"
    append(log, "old1", "old2")
    stop = threading.Event()
    col = Collector(FollowSource([str(log)], stop, poll_interval=0.01))
    time.sleep(0.1)
    append(log, "new1")
    assert [("new1", 3)] == col.wait_for(1)
    stop.set()
    col.thread.join(2)


def test_follow_across_rename_and_create(tmp_path):
    """logrotate's rename + create: the old file is drained, then the new one followed."""
    log = tmp_path / "auth.log"
    log.write_text("")
    stop = threading.Event()
    col = Collector(FollowSource([str(log)], stop, poll_interval=0.01))
    time.sleep(0.1)
    append(log, "a1", "a2")
    col.wait_for(2)
    with log.open("a") as old:
        log.rename(tmp_path / "auth.log.1")
        old.write("a3\n")  # the daemon still writes to the renamed file briefly
    append(log, "b1")
    got = col.wait_for(4)
    stop.set()
    col.thread.join(2)
    assert [("a1", 1), ("a2", 2), ("a3", 3), ("b1", 1)] == got


def test_follow_across_copytruncate(tmp_path):
    """copytruncate: the file shrinks, reading restarts from its top."""
    log = tmp_path / "access.log"
    log.write_text("")
    stop = threading.Event()
    col = Collector(FollowSource([str(log)], stop, poll_interval=0.01))
    time.sleep(0.1)
    append(log, "first-long-line-before-truncation")
    col.wait_for(1)
    with log.open("r+") as fh:
        fh.truncate(0)
    time.sleep(0.1)
    append(log, "c1")
    got = col.wait_for(2)
    stop.set()
    col.thread.join(2)
    assert [("first-long-line-before-truncation", 1), ("c1", 1)] == got


def test_follow_resumes_from_saved_positions(tmp_path):
    """A restart with saved positions reads exactly the lines written while stopped."""
    log = tmp_path / "auth.log"
    append(log, "l1")
    stop = threading.Event()
    src = FollowSource([str(log)], stop, from_start=True, poll_interval=0.01)
    col = Collector(src)
    col.wait_for(1)
    saved = src.positions()
    stop.set()
    col.thread.join(2)
    append(log, "l2", "l3")
    positions = FollowSource.load_positions(saved.get, [str(log)])
    stop2 = threading.Event()
    col2 = Collector(FollowSource([str(log)], stop2, positions=positions, poll_interval=0.01))
    got = col2.wait_for(2)
    stop2.set()
    col2.thread.join(2)
    assert [("l2", 2), ("l3", 3)] == got


def test_follow_waits_for_a_missing_file(tmp_path):
    """A file that does not exist yet is picked up when it appears."""
    log = tmp_path / "later.log"
    stop = threading.Event()
    col = Collector(FollowSource([str(log)], stop, from_start=True, poll_interval=0.01))
    time.sleep(0.05)
    append(log, "hello")
    got = col.wait_for(1)
    stop.set()
    col.thread.join(2)
    assert [("hello", 1)] == got
