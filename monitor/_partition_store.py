"""Window state per Kafka partition, in the shared store, with the offset it corresponds to.

Why the shared store rather than a compacted changelog topic (the Kafka Streams
pattern): the monitor already writes every alert, action and audit entry to the
store in transactions, and the store is what every instance shares. With the
state, the events and the partition's next offset written in ONE store
transaction, "state at offset N" is atomic by construction; a changelog topic
would need Kafka transactions spanning the changelog, the consumer offsets and
(still) the store's alert rows, and a restore that replays the whole changelog
before the first record. Restoring from a table is one indexed SELECT.

Tables (:data:`PARTITION_SCHEMA`; PostgreSQL: migration step 4)::

    partition_offsets (grp, topic, part) -> next_offset, watermark, epoch, owner
    partition_state   (grp, topic, part, rule, key) -> state JSON

* ``next_offset`` is the offset of the first record NOT reflected in the rows
  (-1: nothing processed yet). The new owner seeks there, so records after
  the last checkpoint are replayed into exactly the state they followed.
* ``epoch`` fences zombies: each new owner bumps it when it claims the
  partition (and reads the state in that same transaction); every checkpoint is
  a compare-and-set on the epoch it claimed. A member that lost the partition
  without knowing it (kill -STOP, a long pause) cannot overwrite the new
  owner's rows: its write matches no row and it drops the partition.
* Replayed records rebuild the same windows, hence the same alert ids
  (rule + key + window start): an alert fired just before a kill -9 is
  recognised in ``alerts`` and not raised again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from logward_base.errors import StoreError
from monitor._store import STORE_ERRORS
from monitor.detect import DetectionEngine

__all__ = ["PARTITION_SCHEMA", "PartitionStore"]

_log = logging.getLogger(__name__)

#: The tables in the SQLite dialect. SQLite creates them when a PartitionStore
#: opens (``IF NOT EXISTS`` under SQLite's write lock); on PostgreSQL they are
#: migration step 4 (``monitor.store._migrations``), never created at run time.
PARTITION_SCHEMA = """
CREATE TABLE IF NOT EXISTS partition_offsets (
    grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,
    next_offset BIGINT NOT NULL, watermark DOUBLE PRECISION NOT NULL,
    epoch BIGINT NOT NULL, owner TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (grp, topic, part)
);
CREATE TABLE IF NOT EXISTS partition_state (
    grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,
    rule TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,
    updated DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (grp, topic, part, rule, key)
);
"""
_LOAD_ERRORS: tuple[type[Exception], ...] = (*STORE_ERRORS, ValueError)
_SEED_TYPES = frozenset({"rate"})  # fitted baselines (window_state) seed every partition


def _is_sqlite(conn: Any) -> bool:
    """True for an embedded (SQLite/SQLCipher) connection, False for the PostgreSQL adapter."""
    return isinstance(conn, sqlite3.Connection | sqlcipher.Connection)


class PartitionStore:
    """Claim, restore and checkpoint the window state of one group's partitions.

    Args:
        conn: a store connection (``monitor.open_store``, or the PostgreSQL adapter).
        group / topic: the consumer group and topic (state is per group: two
            groups reading one topic keep separate windows).
        owner: this member's name, recorded for operators.
    """

    def __init__(self, conn: sqlite3.Connection, group: str, topic: str, owner: str) -> None:
        self._conn = conn
        self._ids = (group, topic)
        self._owner = owner
        self._epochs: dict[int, int] = {}
        if _is_sqlite(conn):
            try:
                with conn:
                    for ddl in PARTITION_SCHEMA.split(";"):
                        if ddl.strip():
                            conn.execute(ddl)
            except STORE_ERRORS as exc:
                raise StoreError(f"cannot create partition state tables: {exc}") from exc

    def claim(self, part: int, engine: DetectionEngine | None) -> int | None:
        """Become the partition's owner and load its windows into ``engine``.

        ``engine`` None claims the offset only (one engine for every partition,
        whose windows live in ``window_state``: ``monitor._partitioned.GroupWindows``).

        Returns:
            The offset to resume from, or None if no record was ever checkpointed.

        Raises:
            StoreError: the store cannot be read or written.
        """
        grp, topic = self._ids
        key = (grp, topic, part)
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT OR IGNORE INTO partition_offsets (grp, topic, part, next_offset,"
                    " watermark, epoch, owner, updated) VALUES (?, ?, ?, -1, 0, 0, ?, ?)",
                    (*key, self._owner, time.time()),
                )
                self._conn.execute(
                    "UPDATE partition_offsets SET epoch = epoch + 1, owner = ?, updated = ?"
                    " WHERE grp = ? AND topic = ? AND part = ?",
                    (self._owner, time.time(), *key),
                )
                row = self._conn.execute(
                    "SELECT next_offset, watermark, epoch FROM partition_offsets"
                    " WHERE grp = ? AND topic = ? AND part = ?",
                    key,
                ).fetchone()
                loaded = self._restore(key, engine) if engine is not None else 0
        except _LOAD_ERRORS as exc:
            raise StoreError(
                f"cannot claim partition {part}: {exc.__class__.__name__}: {exc}"
            ) from exc
        offset, mark, epoch = int(row[0]), float(row[1]), int(row[2])
        self._epochs[part] = epoch
        if engine is not None:
            engine.watermark = max(engine.watermark, mark)
        _log.info(
            "partition %s claimed (epoch %s): %s window keys, resuming at offset %s",
            part,
            epoch,
            loaded,
            offset if offset >= 0 else "the group's committed offset",
        )
        return offset if offset >= 0 else None

    def _restore(self, key: tuple[str, str, int], engine: DetectionEngine) -> int:
        seeds = [e.rule.name for e in engine.evaluators if e.rule.type in _SEED_TYPES]
        rows: list[tuple[str, str, dict[str, Any]]] = []
        if seeds:
            marks = ",".join("?" * len(seeds))
            cur = self._conn.execute(
                f"SELECT rule, key, state FROM window_state WHERE rule IN ({marks})",  # noqa: S608 - placeholders only
                seeds,
            )
            rows += [(r, k, json.loads(s)) for r, k, s in cur]
        cur = self._conn.execute(
            "SELECT rule, key, state FROM partition_state WHERE grp = ? AND topic = ? AND part = ?",
            key,
        )
        rows += [(r, k, json.loads(s)) for r, k, s in cur]
        return engine.restore(rows)

    def release(self, part: int) -> None:
        """Forget the claim (after the final checkpoint of a revoked partition)."""
        self._epochs.pop(part, None)

    def write(
        self, part: int, engine: DetectionEngine | None, next_offset: int | None, watermark: float
    ) -> int | None:
        """Write the partition's changed keys and its offset, in the CALLER's transaction.

        Args:
            part: the partition.
            engine: its engine (only keys changed since the last write are sent),
                or None to write the offset only.
            next_offset: offset of the first record not reflected in the state
                (None: unchanged).
            watermark: the state's event-time watermark.

        Returns:
            Rows touched, or None when this member is fenced: another member claimed
            the partition since (nothing of it was written; the caller drops it).
        """
        grp, topic = self._ids
        epoch = self._epochs.get(part)
        if epoch is None:
            return None
        now = time.time()
        if next_offset is None:
            cur = self._conn.execute(
                "UPDATE partition_offsets SET watermark = ?, updated = ?"
                " WHERE grp = ? AND topic = ? AND part = ? AND epoch = ?",
                (watermark, now, grp, topic, part, epoch),
            )
        else:
            cur = self._conn.execute(
                "UPDATE partition_offsets SET next_offset = ?, watermark = ?, updated = ?"
                " WHERE grp = ? AND topic = ? AND part = ? AND epoch = ?",
                (next_offset, watermark, now, grp, topic, part, epoch),
            )
        if cur.rowcount != 1:
            self._epochs.pop(part, None)
            _log.warning("partition %s was claimed by another member: its state is dropped", part)
            return None
        if engine is None:
            return 1
        upserts: list[tuple[Any, ...]] = []
        deletes: list[tuple[Any, ...]] = []
        for evaluator in engine.evaluators:
            name = evaluator.rule.name
            for k, state in evaluator.dirty_rows():
                if state is None:
                    deletes.append((grp, topic, part, name, k))
                else:
                    text = json.dumps(state, separators=(",", ":"))
                    upserts.append((grp, topic, part, name, k, text, now))
        if deletes:
            self._conn.executemany(
                "DELETE FROM partition_state WHERE grp = ? AND topic = ? AND part = ?"
                " AND rule = ? AND key = ?",
                deletes,
            )
        if upserts:
            self._conn.executemany(
                "INSERT INTO partition_state (grp, topic, part, rule, key, state, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grp, topic, part, rule, key)"
                " DO UPDATE SET state = excluded.state, updated = excluded.updated",
                upserts,
            )
        return 1 + len(upserts) + len(deletes)

    def offsets(self) -> dict[int, tuple[int, int]]:
        """``{partition: (next_offset, epoch)}`` as stored (for tests and operators)."""
        grp, topic = self._ids
        rows = self._conn.execute(
            "SELECT part, next_offset, epoch FROM partition_offsets WHERE grp = ? AND topic = ?",
            (grp, topic),
        ).fetchall()
        return {int(p): (int(o), int(e)) for p, o, e in rows}
