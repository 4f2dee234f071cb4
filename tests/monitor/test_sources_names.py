"""Sources record file names that are not valid UTF-8 in a form the store can hold."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from logward.cli import main
from monitor import FollowSource, open_store, replay_file

_LINE = (
    '{"@timestamp":"2026-01-01T00:00:00Z","event.category":"authentication",'
    '"event.outcome":"failure","source.ip":"192.0.2.7"}\n'
)


def _latin1_file(tmp_path: Path) -> str:
    name = str(tmp_path / os.fsdecode(b"acc\xe8s.log"))
    Path(name).write_text(_LINE, encoding="utf-8")
    return name


def test_replay_file_origin_is_encodable(tmp_path):
    """A non-UTF-8 file name is yielded with U+FFFD in place of the bad byte."""
    name = _latin1_file(tmp_path)
    (record,) = list(replay_file(name))
    assert str(tmp_path / "acc\ufffds.log") == record[2]
    record[2].encode("utf-8")


def test_follow_positions_keys_are_encodable(tmp_path):
    """Follow positions name the file in UTF-8-safe form and load back under that name."""
    name = _latin1_file(tmp_path)
    stop = threading.Event()
    source = FollowSource([name], stop, from_start=True)
    records = []
    for record in source:
        if record is None:
            stop.set()
            continue
        records.append(record)
    (key,) = source.positions()
    key.encode("utf-8")
    saved = source.positions()
    loaded = FollowSource.load_positions(saved.get, [name])
    assert 1 == len(records)
    assert [name] == list(loaded)


def test_stored_replay_of_non_utf8_file_name_keeps_its_events(tmp_path):
    """monitor replay --data-dir stores events of a file whose name is not UTF-8."""
    name = _latin1_file(tmp_path)
    data = tmp_path / "data"
    assert 0 == main(["monitor", "replay", "--format", "json", "--data-dir", str(data), name])
    conn = open_store(data)
    try:
        files = [r[0] for r in conn.execute("SELECT file FROM events")]
    finally:
        conn.close()
    assert [str(tmp_path / "acc\ufffds.log")] == files
