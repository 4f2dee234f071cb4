"""One DetectionEngine per assigned Kafka partition: windows that move with their partition.

A partition's windows depend only on that partition's records (records are
keyed by the rules' key field), and each partition has its own event-time
watermark, so the state stored at offset N is exactly what replaying the
partition up to N builds, whoever replays it. :class:`PartitionedWindows` is
both the Pipeline's engine (``process`` routes an event to its partition's
engine by its origin) and its window state (``write`` checkpoints every owned
partition with its next offset, through :class:`PartitionStore`, inside the
Pipeline's checkpoint transaction).

The Kafka source's rebalance listener calls :meth:`assign` (claim, restore,
return the offsets to seek to) and :meth:`revoke` (flush, then forget).

Per-partition engines are right only when records are keyed (partitioned) by
the rules' key field (``--key-field``). Without it, a rule's key may span
partitions, so :class:`GroupWindows` keeps ONE engine whose windows live in
``window_state`` and stores every owned partition's offset with them, in the
same transaction: a restarted or standby instance resumes exactly, but two
active members of one group would each count part of a key (run one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from monitor._alert import Alert
from monitor._event import AccessEvent
from monitor._partition_store import PartitionStore
from monitor.detect import DetectionEngine

if TYPE_CHECKING:
    from monitor._pipeline import WindowState as WindowStateLike

__all__ = ["GroupWindows", "PartitionedWindows", "kafka_origin"]

_log = logging.getLogger(__name__)
_NONE: list[Alert] = []


def kafka_origin(topic: str, partition: int) -> str:
    """The ``origin`` (event ``file``) of records from one partition."""
    return f"kafka:{topic}/{partition}"


class PartitionedWindows:
    """Detection engines and their stored state, one per owned partition.

    Args:
        store: the partitions' table access (claim, write).
        make_engine: builds a fresh engine (``track_dirty=True``) for a partition.
        topic: the topic the partitions belong to.
        positions: ``{partition: next offset}`` of the records handed to the
            pipeline so far (``KafkaSource.positions``).
    """

    def __init__(
        self,
        store: PartitionStore,
        make_engine: Callable[[], DetectionEngine],
        topic: str,
        positions: Callable[[], dict[int, int]],
    ) -> None:
        self._store = store
        self._make = make_engine
        self._topic = topic
        self._positions = positions
        self.engines: dict[int, DetectionEngine] = {}
        self._by_origin: dict[str, DetectionEngine] = {}
        self.dropped = 0  # events of partitions this member no longer owns

    @property
    def watermark(self) -> float:
        """The newest event time over the owned partitions."""
        return max((e.watermark for e in self.engines.values()), default=0.0)

    @property
    def evaluators(self) -> list[object]:
        """One engine's evaluators (for the rule count shown at start)."""
        probe = next(iter(self.engines.values()), None) or self._make()
        return list(probe.evaluators)

    def process(self, ev: AccessEvent) -> list[Alert]:
        """Feed an event to its partition's engine (dropped if the partition is not owned)."""
        engine = self._by_origin.get(ev.file or "")
        if engine is None:
            self.dropped += 1
            return _NONE
        return engine.process(ev)

    def assign(self, parts: list[int]) -> dict[int, int]:
        """Claim newly assigned partitions and restore their windows.

        Returns:
            ``{partition: offset}`` to seek to (partitions without stored state
            start from the group's committed offset).

        Raises:
            StoreError: the store cannot be read (nothing of that partition is processed).
        """
        seeks: dict[int, int] = {}
        for part in parts:
            if part in self.engines:
                continue
            engine = self._make()
            offset = self._store.claim(part, engine)
            self.engines[part] = engine
            self._by_origin[kafka_origin(self._topic, part)] = engine
            if offset is not None:
                seeks[part] = offset
        return seeks

    def revoke(self, parts: list[int], flush: Callable[[], None]) -> None:
        """Flush state and offsets (``flush``: the Pipeline's checkpoint), then drop ``parts``."""
        owned = [p for p in parts if p in self.engines]
        if owned:
            flush()
        for part in owned:
            self._forget(part)

    def _forget(self, part: int) -> None:
        self.engines.pop(part, None)
        self._by_origin.pop(kafka_origin(self._topic, part), None)
        self._store.release(part)

    # -- the Pipeline's window-state interface ------------------------------------------------

    def load(self) -> int:
        """Nothing to load up front: each partition is restored when it is assigned."""
        return 0

    def write(self, extra: dict[str, str]) -> int:
        """Write every owned partition's changed keys and next offset (caller's transaction).

        ``extra`` meta rows are not used: positions live in ``partition_offsets``.
        A partition another member has claimed since is dropped, unwritten.
        """
        del extra
        positions = self._positions()
        touched = 0
        for part, engine in list(self.engines.items()):
            n = self._store.write(part, engine, positions.get(part), engine.watermark)
            if n is None:
                self._forget(part)
            else:
                touched += n
        return touched


class GroupWindows:
    """One engine for every partition (no ``--key-field``): offsets stored with its windows.

    Args:
        store: the partitions' offsets (claimed without per-partition state).
        windows: the engine's own window state (``StateStore`` bound to it).
        engine: the single detection engine.
        positions: ``{partition: next offset}`` of the records handed out so far.
    """

    def __init__(
        self,
        store: PartitionStore,
        windows: WindowStateLike,
        engine: DetectionEngine,
        positions: Callable[[], dict[int, int]],
    ) -> None:
        self._store = store
        self._windows = windows
        self._engine = engine
        self._positions = positions
        self.owned: set[int] = set()

    def assign(self, parts: list[int]) -> dict[int, int]:
        """Claim the partitions' offsets; return those to seek to."""
        seeks: dict[int, int] = {}
        for part in parts:
            if part in self.owned:
                continue
            offset = self._store.claim(part, None)
            self.owned.add(part)
            if offset is not None:
                seeks[part] = offset
        return seeks

    def revoke(self, parts: list[int], flush: Callable[[], None]) -> None:
        """Flush windows and offsets (``flush``: the Pipeline's checkpoint), then drop ``parts``."""
        owned = [p for p in parts if p in self.owned]
        if owned:
            flush()
        for part in owned:
            self.owned.discard(part)
            self._store.release(part)

    def load(self) -> int:
        """Restore the engine's windows from ``window_state``."""
        return self._windows.load()

    def write(self, extra: dict[str, str]) -> int:
        """Write the changed windows and every owned partition's offset (caller's transaction)."""
        touched = self._windows.write(extra)
        positions = self._positions()
        for part in sorted(self.owned):
            n = self._store.write(part, None, positions.get(part), self._engine.watermark)
            if n is None:
                self.owned.discard(part)
            else:
                touched += n
        return touched
