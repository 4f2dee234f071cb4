"""Sources: where raw log lines come from.

A source yields ``(line, line_no, origin)`` records, and ``None`` as an idle
tick when a live source has nothing new (so the runner can checkpoint and
notice a stop request).

* ``replay_file``: one file (``.gz`` too), start to end.
* ``FollowSource``: ``tail -F`` for several files, across rotation by rename
  + create (the old file is drained first) and by copytruncate (size shrank).
  Positions (inode, offset, line) can be saved and restored: a restart resumes
  where it stopped if the file is the same inode, else from the start of the
  current file.
* ``KafkaSource``: a kafka-python consumer group member. Offsets are committed
  only after the runner's checkpoint (``commit``), so a crash replays records
  rather than losing them. With ``on_revoke``/``restore`` (a
  ``ConsumerRebalanceListener``) a partition's window state moves with it: the
  old owner flushes state and offsets when the partition is revoked, the new
  owner restores them and seeks to the stored offset before it fetches a record
  (see ``monitor._partitioned``).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["FollowSource", "KafkaSource", "Record", "replay_file"]

_log = logging.getLogger(__name__)

Record = tuple[str, int, str]


def _origin(name: str) -> str:
    """A file name as it is recorded: undecodable bytes (surrogate escapes) become U+FFFD.

    SQLite and UTF-8 output refuse lone surrogates, which is how Python spells a
    file name that is not valid UTF-8.
    """
    if name.isascii():
        return name
    return name.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def replay_file(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Yield every line of a file (gzip if it ends in ``.gz``) with 1-based numbers."""
    name = str(path)
    origin = _origin(name)
    opener: Callable[..., IO[str]] = gzip.open if name.endswith(".gz") else open
    with opener(name, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        for n, line in enumerate(fh, 1):
            yield line.rstrip("\r\n"), n, origin


class _Tail:
    """One followed file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.origin = _origin(path)
        self.fh: IO[bytes] | None = None
        self.inode = -1
        self.offset = 0
        self.line = 0
        self.partial = b""

    def open(self, offset: int = 0, line: int = 0) -> bool:
        try:
            fh = Path(self.path).open("rb")  # noqa: SIM115 - kept open while following
        except OSError:
            return False
        if self.fh is not None:
            self.fh.close()
        self.fh = fh
        self.inode = os.fstat(fh.fileno()).st_ino
        fh.seek(offset)
        self.offset = offset
        self.line = line
        self.partial = b""
        return True

    def read(self) -> Iterator[Record]:
        if self.fh is None:
            return
        chunk = self.fh.read(1 << 20)
        while chunk:
            data = self.partial + chunk
            lines = data.split(b"\n")
            self.partial = lines.pop()
            for raw in lines:
                self.offset += len(raw) + 1
                self.line += 1
                yield raw.decode("utf-8", "replace").rstrip("\r"), self.line, self.origin
            chunk = self.fh.read(1 << 20)

    def rotated(self) -> str | None:
        """``"renamed"``, ``"truncated"`` or None."""
        try:
            st = Path(self.path).stat()
        except OSError:
            return None  # gone for now: keep the old handle until a new file appears
        if st.st_ino != self.inode:
            return "renamed"
        if st.st_size < self.offset + len(self.partial):
            return "truncated"
        return None

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class FollowSource:
    """Follow files like ``tail -F``, yielding new lines and idle ticks.

    Args:
        paths: files to follow (they may not exist yet).
        stop: set it to end the iteration.
        from_start: read existing content first (default: start at the end).
        positions: saved positions from :meth:`positions` (take precedence).
        poll_interval: seconds between checks when idle.
    """

    def __init__(
        self,
        paths: list[str],
        stop: threading.Event,
        *,
        from_start: bool = False,
        positions: dict[str, Any] | None = None,
        poll_interval: float = 0.05,
    ) -> None:
        self._tails = [_Tail(p) for p in paths]
        self._stop = stop
        self._from_start = from_start
        self._saved = positions or {}
        self._poll = poll_interval
        self._started = False

    def start(self) -> None:
        """Open every file and fix its start position now (idempotent).

        Call it before announcing that monitoring has begun: lines appended after
        ``start`` returns are read, even if iteration begins later. (Opening lazily
        on the first ``next`` let lines written in between count as "existing
        content" and be skipped.)
        """
        if not self._started:
            self._started = True
            for tail in self._tails:
                self._start(tail)

    def _start(self, tail: _Tail) -> None:
        saved = self._saved.get(tail.path)
        if isinstance(saved, dict):
            try:
                st = Path(tail.path).stat()
            except OSError:
                return
            if st.st_ino == saved.get("inode") and st.st_size >= int(saved.get("offset", 0)):
                tail.open(int(saved["offset"]), int(saved.get("line", 0)))
                return
            tail.open(0, 0)
            return
        if tail.open() and not self._from_start and tail.fh is not None:
            # Start at the end, but count the lines we skip so numbers stay true.
            fh = tail.fh
            lines = 0
            while chunk := fh.read(1 << 20):
                lines += chunk.count(b"\n")
            tail.line = lines
            tail.offset = fh.tell()

    def __iter__(self) -> Iterator[Record | None]:
        self.start()
        try:
            while not self._stop.is_set():
                busy = False
                for tail in self._tails:
                    if tail.fh is None:
                        if tail.open():
                            _log.info("following new file %s", tail.path)
                        else:
                            continue
                    for record in tail.read():
                        busy = True
                        yield record
                    change = tail.rotated()
                    if change == "renamed":
                        yield from tail.read()  # drain what was written before the rename
                        tail.open()
                        _log.info("file %s was rotated (renamed); following the new one", tail.path)
                    elif change == "truncated":
                        tail.open()
                        _log.info(
                            "file %s was truncated (copytruncate); reading from the start",
                            tail.path,
                        )
                if not busy:
                    yield None
                    self._stop.wait(self._poll)
        finally:
            for tail in self._tails:
                tail.close()

    def positions(self) -> dict[str, str]:
        """``meta`` rows recording each file's inode, offset and line number."""
        return {
            f"follow:{t.origin}": json.dumps({"inode": t.inode, "offset": t.offset, "line": t.line})
            for t in self._tails
            if t.inode >= 0
        }

    @staticmethod
    def load_positions(get: Callable[[str], str | None], paths: list[str]) -> dict[str, Any]:
        """Read saved positions back with ``get(meta_key)``."""
        out: dict[str, Any] = {}
        for p in paths:
            raw = get(f"follow:{_origin(p)}")
            if raw:
                try:
                    out[p] = json.loads(raw)
                except ValueError:
                    continue
        return out


class KafkaSource:
    """Consume raw log lines from a topic as one member of a consumer group.

    Args:
        bootstrap: ``host:port``.
        topic / group_id: what to consume, and as which group.
        stop: set it to end the iteration.
        session_timeout_ms / heartbeat_interval_ms / max_poll_interval_ms: group
            settings (small values make joins fast on Tansu; see TESTING.md).
        on_assign: called with the assigned partition numbers after each rebalance.
        on_revoke: called with partition numbers about to be revoked (flush their
            state and offsets). Runs on the client's IO thread while the
            iteration is blocked in ``poll``: every record yielded so far has
            been handled.
        restore: called with newly assigned partition numbers before any of their
            records is fetched; returns ``{partition: offset}`` to seek to. The
            listener only pauses new partitions; ``restore`` runs on the
            iterating thread right after ``poll`` returns, then they are sought
            and resumed: a long restore does not hold up heartbeats.
    """

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        group_id: str,
        stop: threading.Event,
        *,
        session_timeout_ms: int = 10000,
        heartbeat_interval_ms: int = 3000,
        max_poll_interval_ms: int = 300000,
        poll_timeout_ms: int = 200,
        on_assign: Callable[[list[int]], None] | None = None,
        on_revoke: Callable[[list[int]], None] | None = None,
        restore: Callable[[list[int]], dict[int, int]] | None = None,
    ) -> None:
        self._settings: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "group_id": group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_interval_ms,
            "max_poll_interval_ms": max_poll_interval_ms,
        }
        self._topic = topic
        self._stop = stop
        self._timeout = poll_timeout_ms
        self._on_assign = on_assign
        self._on_revoke = on_revoke
        self._restore = restore
        self._consumer: Any = None
        self._assigned: frozenset[int] = frozenset()
        self._done: dict[Any, int] = {}
        self._committed: dict[Any, int] = {}
        self._pending: list[Any] = []  # assigned, paused, not yet restored

    def positions(self) -> dict[int, int]:
        """``{partition: next offset}`` past every record yielded so far."""
        return {tp.partition: off for tp, off in self._done.items()}

    def _listener(self, consumer: Any) -> Any:
        from kafka import ConsumerRebalanceListener  # optional dependency: the 'monitor' extra

        source = self

        class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
            def on_partitions_revoked(self, revoked: Any) -> None:
                parts = sorted(tp.partition for tp in revoked if tp.topic == source._topic)
                try:
                    if parts and source._on_revoke is not None:
                        source._on_revoke(parts)
                finally:
                    for tp in revoked:
                        source._done.pop(tp, None)
                    source._pending = [tp for tp in source._pending if tp not in revoked]

            def on_partitions_assigned(self, assigned: Any) -> None:
                if source._restore is None:
                    return
                mine = [tp for tp in assigned if tp.topic == source._topic]
                if mine:
                    consumer.pause(*mine)  # nothing is fetched before its state is back
                    source._pending += mine

        return Listener()

    def _restore_pending(self, consumer: Any) -> None:
        """Restore paused new partitions, seek them to their stored offsets, resume them."""
        pending, self._pending = self._pending, []
        if self._restore is None or not pending:
            return
        owned = consumer.assignment()
        pending = [tp for tp in pending if tp in owned]
        seeks = self._restore(sorted(tp.partition for tp in pending))
        for tp in pending:
            if tp.partition in seeks:
                consumer.seek(tp, seeks[tp.partition])
        consumer.resume(*pending)

    def __iter__(self) -> Iterator[Record | None]:
        from kafka import KafkaConsumer  # optional dependency: the 'monitor' extra

        consumer = KafkaConsumer(**self._settings)
        self._consumer = consumer
        if self._on_revoke is not None or self._restore is not None:
            consumer.subscribe([self._topic], listener=self._listener(consumer))
        else:
            consumer.subscribe([self._topic])
        try:
            while not self._stop.is_set():
                batch = consumer.poll(timeout_ms=self._timeout)
                if self._pending:
                    self._restore_pending(consumer)
                assigned = frozenset(tp.partition for tp in consumer.assignment())
                if assigned != self._assigned:
                    self._assigned = assigned
                    _log.info("assigned partitions %s", sorted(assigned))
                    if self._on_assign is not None:
                        self._on_assign(sorted(assigned))
                done = self._done
                for tp, records in batch.items():
                    origin = f"kafka:{tp.topic}/{tp.partition}"
                    for rec in records:
                        value = rec.value
                        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else ""
                        # Handed out: once the runner asks for the next record (or
                        # checkpoints), this one has been handled.
                        done[tp] = rec.offset + 1
                        yield text.rstrip("\r\n"), rec.offset + 1, origin
                yield None
        finally:
            self.commit()
            consumer.close(autocommit=False)
            self._consumer = None

    def commit(self) -> None:
        """Commit the offsets of every record yielded so far (after a checkpoint).

        With a store holding the offsets (``restore``), these commits only keep the
        group's lag visible to Kafka tooling: the store's offsets are the ones used.
        """
        if self._consumer is None or not self._done:
            return
        from kafka.structs import OffsetAndMetadata  # optional dependency: the 'monitor' extra

        offsets = {
            tp: OffsetAndMetadata(off, "", -1)
            for tp, off in self._done.items()
            if tp.partition in self._assigned and self._committed.get(tp) != off
        }
        if not offsets:
            return
        try:
            self._consumer.commit(offsets)
            self._committed.update({tp: o.offset for tp, o in offsets.items()})
        except Exception as exc:
            _log.warning("offset commit failed: %s", exc.__class__.__name__)
