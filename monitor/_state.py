"""Persist detection windows in the store's ``window_state`` table.

Checkpoints are incremental: only keys changed since the last checkpoint are
upserted, and keys that were evicted or fired are deleted, in one transaction.
The engine's event-time watermark and follow-source positions go to ``meta``.
A restart loads every row back, so an attack in progress is not forgotten and
a fired key stays in cooldown (no alert fires twice).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from logward_base.errors import StoreError
from monitor._store import STORE_ERRORS
from monitor.detect import DetectionEngine

__all__ = ["BoundState", "StateStore"]

_LOAD_ERRORS: tuple[type[Exception], ...] = (*STORE_ERRORS, ValueError)

_log = logging.getLogger(__name__)
_WATERMARK = "monitor.watermark"


class StateStore:
    """Checkpoint and restore a DetectionEngine's windows.

    Args:
        conn: a connection from ``monitor.open_store``.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def bind(self, engine: DetectionEngine) -> BoundState:
        """This store's ``load``/``write`` for one engine (the Pipeline's window state)."""
        return BoundState(self, engine)

    def load(self, engine: DetectionEngine) -> int:
        """Restore every persisted key of the engine's rules; return how many rows loaded.

        Raises:
            StoreError: the table cannot be read.
        """
        names = list(engine.by_name)
        if not names:
            return 0
        marks = ",".join("?" * len(names))
        try:
            cur = self._conn.execute(
                f"SELECT rule, key, state FROM window_state WHERE rule IN ({marks})",  # noqa: S608 - placeholders only
                names,
            )
            loaded = engine.restore((rule, key, json.loads(state)) for rule, key, state in cur)
            row = self._conn.execute("SELECT v FROM meta WHERE k = ?", (_WATERMARK,)).fetchone()
            mark = float(row[0]) if row is not None else None
        except _LOAD_ERRORS as exc:
            raise StoreError(f"cannot load window state: {exc.__class__.__name__}") from exc
        if mark is not None:
            engine.watermark = max(engine.watermark, mark)
        _log.info("restored %s window keys", loaded)
        return loaded

    def checkpoint(self, engine: DetectionEngine, extra_meta: dict[str, str] | None = None) -> int:
        """Write changed keys (and meta values) in one transaction; return rows touched.

        Raises:
            StoreError: the write failed (nothing is half-written).
        """
        try:
            with self._conn:
                return self.write(engine, extra_meta or {})
        except STORE_ERRORS as exc:
            raise StoreError(f"cannot checkpoint window state: {exc.__class__.__name__}") from exc

    def write(self, engine: DetectionEngine, extra_meta: dict[str, str]) -> int:
        """Write changed keys and meta values inside the CALLER's transaction; return rows."""
        upserts: list[tuple[str, str, str, float]] = []
        deletes: list[tuple[str, str]] = []
        now = engine.watermark
        for evaluator in engine.evaluators:
            name = evaluator.rule.name
            for key, state in evaluator.dirty_rows():
                if state is None:
                    deletes.append((name, key))
                else:
                    upserts.append((name, key, json.dumps(state, separators=(",", ":")), now))
        meta = {_WATERMARK: repr(engine.watermark), **extra_meta}
        if deletes:
            self._conn.executemany("DELETE FROM window_state WHERE rule = ? AND key = ?", deletes)
        if upserts:
            self._conn.executemany(
                "INSERT INTO window_state (rule, key, state, updated) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (rule, key) DO UPDATE SET state = excluded.state,"
                " updated = excluded.updated",
                upserts,
            )
        self._conn.executemany(
            "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            list(meta.items()),
        )
        return len(upserts) + len(deletes)

    def put_rows(self, rule: str, rows: list[tuple[str, dict[str, Any]]], now: float) -> None:
        """Upsert ``(key_json, state)`` rows for one rule (used by the baseline fit)."""
        try:
            with self._conn:
                self._conn.executemany(
                    "INSERT INTO window_state (rule, key, state, updated) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (rule, key) DO UPDATE SET state = excluded.state,"
                    " updated = excluded.updated",
                    [(rule, k, json.dumps(s, separators=(",", ":")), now) for k, s in rows],
                )
        except STORE_ERRORS as exc:
            raise StoreError(f"cannot store baselines: {exc.__class__.__name__}") from exc

    def meta_rows(self, prefix: str) -> list[tuple[str, str]]:
        """Every ``meta`` row whose key starts with ``prefix`` (compared exactly, not LIKE).

        Raises:
            StoreError: the table cannot be read.
        """
        try:
            rows = self._conn.execute(
                "SELECT k, v FROM meta WHERE substr(k, 1, ?) = ?", (len(prefix), prefix)
            ).fetchall()
        except STORE_ERRORS as exc:
            raise StoreError(f"cannot read meta: {exc.__class__.__name__}") from exc
        return [(str(k), str(v)) for k, v in rows]

    def get_meta(self, key: str) -> str | None:
        """Read one ``meta`` value (e.g. a follow position)."""
        row = self._conn.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])


class BoundState:
    """A :class:`StateStore` bound to one engine: ``load()`` and ``write(extra)``."""

    def __init__(self, store: StateStore, engine: DetectionEngine) -> None:
        self._store = store
        self._engine = engine

    def load(self) -> int:
        """Restore the engine's persisted windows; return how many keys loaded."""
        return self._store.load(self._engine)

    def write(self, extra: dict[str, str]) -> int:
        """Write changed windows and ``extra`` meta rows in the caller's transaction."""
        return self._store.write(self._engine, extra)
