"""Distinct counts over a sliding event-time window, in bounded memory and O(1) per event.

A key's window is a dict ``value -> [last_seen, weight, first_seen]`` kept in
order of last sighting (a hit moves its value to the end), so expiry pops from
the front: each value is inserted and removed once, amortised O(1) per event.
The dict never holds more than ``cap`` values: for a plain distinct rule the cap
is the threshold (the rule fires, and clears the window, as soon as it is
reached: an exact set up to the threshold, then it stops growing); with
``max_per_value`` it is ``max(8 * threshold, 64)``, the least recently seen value
making room. Memory per key is therefore at most ``cap`` small lists, whatever
an attacker sends.

``max_per_value``: only values seen at most that many times while they stay in
the window count. A value's weight is counted from its first sighting until it
leaves the window (not seen for a whole window).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DistinctWindow"]


class DistinctWindow:
    """One key's distinct values in the window (see the module docstring).

    Args:
        window: seconds of event time a value stays after its last sighting.
        limit: ``max_per_value`` or None.
        cap: most values kept.
    """

    __slots__ = ("cap", "last", "limit", "live", "total", "vals", "window")

    def __init__(self, window: float, limit: int | None, cap: int) -> None:
        self.window = window
        self.limit = limit
        self.cap = cap
        self.vals: dict[Any, list[Any]] = {}
        self.live = 0  # values that count (all, or those seen <= limit times)
        self.total = 0  # weight of every value held
        self.last = float("-inf")

    def _drop(self, value: Any) -> None:
        rec = self.vals.pop(value)
        self.total -= rec[1]
        if self.limit is None or rec[1] <= self.limit:
            self.live -= 1

    def expire(self, horizon: float) -> None:
        """Drop values last seen before ``horizon``."""
        vals = self.vals
        while vals:
            value = next(iter(vals))
            if vals[value][0] >= horizon:
                break
            self._drop(value)

    def add(self, ts: float, weight: int, value: Any) -> bool:
        """Account one sighting; return True if the distinct count grew."""
        self.expire(ts - self.window)
        vals = self.vals
        limit = self.limit
        if ts > self.last:
            self.last = ts
        self.total += weight
        rec = vals.pop(value, None)
        if rec is None:
            if len(vals) >= self.cap:
                self._drop(next(iter(vals)))
            vals[value] = [ts, weight, ts]
            if limit is None or weight <= limit:
                self.live += 1
                return True
            return False
        counted = limit is None or rec[1] <= limit
        rec[1] += weight
        if ts > rec[0]:
            rec[0] = ts
        vals[value] = rec
        if counted and limit is not None and rec[1] > limit:
            self.live -= 1
        return False

    def first_seen(self) -> float:
        """The earliest first sighting held."""
        return min((rec[2] for rec in self.vals.values()), default=self.last)

    def to_json(self) -> dict[str, Any]:
        """The persisted form."""
        return {"d": [[v, *rec] for v, rec in self.vals.items()]}

    @classmethod
    def from_json(
        cls, data: Any, window: float, limit: int | None, cap: int
    ) -> DistinctWindow | None:
        """Inverse of :meth:`to_json`; None if the data is not in that form."""
        rows = data.get("d") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            return None
        win = cls(window, limit, cap)
        for row in rows:
            if isinstance(row, list) and len(row) == 4:
                value, last, weight, first = row
                if isinstance(last, int | float) and isinstance(weight, int):
                    win.add(float(last), weight, value)
                    win.vals[value][2] = float(first)
        return win
