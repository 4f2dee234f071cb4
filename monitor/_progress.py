"""Per-source replay progress: what a store has already seen, per file (or host).

The store used to keep one event-time watermark and skip every event older
than it, so a second host's log replayed into the same store was dropped
whole. Progress is now kept per source (``log.file.path``, else ``host.name``)
as ``(last line, newest event time)``: an event is *seen* (skipped) only if its
own source already got past both its line and its time (a rotated file that
restarts at line 1 has newer times, so it is read). Events from a new source
are accepted if they are at most ``lateness`` seconds older than the newest
event time processed; older ones are *late* and skipped. Both are counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from monitor._event import AccessEvent

__all__ = ["PROGRESS_PREFIX", "SourceProgress"]

PROGRESS_PREFIX = "progress:"


class SourceProgress:
    """Decide which replayed events are new, per source.

    Args:
        lateness: seconds an event may lag the newest event time and still count.
    """

    def __init__(self, lateness: float = 86400.0) -> None:
        self.lateness = lateness
        self._done: dict[str, tuple[int, float]] = {}
        self._now: dict[str, list[Any]] = {}
        self.watermark = float("-inf")
        self.seen = 0
        self.late = 0

    def load(self, rows: Iterable[tuple[str, str]], watermark: float) -> None:
        """Restore ``(meta key, value)`` rows written by :meth:`meta`."""
        self.watermark = max(self.watermark, watermark)
        for key, value in rows:
            try:
                data = json.loads(value)
                line, ts = int(data["line"]), float(data["ts"])
            except (ValueError, KeyError, TypeError):
                continue
            source = key[len(PROGRESS_PREFIX) :]
            self._done[source] = (line, ts)
            self._now[source] = [line, ts]

    def admit(self, ev: AccessEvent) -> bool:
        """True if the event is new (and record it), False if seen or too late."""
        source = ev.file or ev.host_name or ""
        ts = ev.timestamp
        done = self._done.get(source)
        if done is not None and ts <= done[1] and (ev.line <= done[0] or not ev.line):
            self.seen += 1
            return False
        if ts < self.watermark - self.lateness:
            self.late += 1
            return False
        now = self._now.get(source)
        if now is None:
            self._now[source] = [ev.line, ts]
        else:
            if ev.line > now[0]:
                now[0] = ev.line
            if ts > now[1]:
                now[1] = ts
        if ts > self.watermark:
            self.watermark = ts
        return True

    def meta(self) -> dict[str, str]:
        """``meta`` rows recording each source's progress."""
        return {
            f"{PROGRESS_PREFIX}{src}": json.dumps({"line": v[0], "ts": v[1]})
            for src, v in self._now.items()
        }

    def stats(self) -> dict[str, int]:
        """Skipped events: ``seen`` (already in the store) and ``late``."""
        return {"skipped_seen": self.seen, "skipped_late": self.late}
