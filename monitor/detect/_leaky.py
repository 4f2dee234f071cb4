"""The ``leaky`` rule evaluator: CrowdSec's leaky bucket, one per key, O(1) per event.

Each key has a bucket holding ``level`` events. Every matching event pours its
weight in; the bucket leaks one event every ``leakspeed`` seconds of event
time. When an event brings the level above ``capacity`` the bucket overflows:
the rule fires, the bucket is emptied and the key enters ``cooldown``
(CrowdSec's ``blackhole``). With ``capacity: 5, leakspeed: 10s`` six attempts
in quick succession fire, while one attempt every 10 s never does.

``distinct``: an event whose value is already in the bucket is not poured
(CrowdSec's ``distinct``). The bucket remembers at most ``capacity + 1``
values, the newest, trimmed to the level as it leaks, so memory per key is
bounded whatever an attacker sends. A key whose bucket has drained is
forgotten by ``evict``, which the engine runs once per ``leakspeed`` (but at
most every 10 s of event time), so open buckets are at most the keys seen in
the last ``max(leakspeed, 10 s)`` plus those still draining.
``window`` defaults to ``capacity * leakspeed``, the time a full bucket takes
to drain.

Rule keys::

    type: leaky
    capacity: 5
    leakspeed: 10s
    distinct: user.name   # optional
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

from monitor._alert import Alert
from monitor._event import ECS_FIELDS, AccessEvent
from monitor.detect._keys import Key, key_from_json, key_getter, key_to_json
from monitor.detect._match import Condition
from monitor.detect._routed import MatchRouted
from monitor.detect._rule import Rule, RuleChecker

__all__ = ["LEAKY_KEYS", "LeakyEvaluator", "parse_leaky"]

LEAKY_KEYS = frozenset({"capacity", "leakspeed", "distinct"})


class _Bucket:
    __slots__ = ("first", "last", "level", "values")

    def __init__(self, ts: float) -> None:
        self.level = 0.0
        self.last = ts
        self.first = ts
        self.values: list[Any] | None = None


def _expand(b: Any) -> _Bucket:
    """A bucket holding one event is stored compactly (most keys see one event):
    its time (a float) or, with ``distinct``, ``(time, value)``."""
    if b.__class__ is _Bucket:
        return b
    single = b.__class__ is float
    full = _Bucket(b if single else b[0])
    full.level = 1.0
    if not single:
        full.values = [b[1]]
    return full


class LeakyEvaluator(MatchRouted):
    """Evaluates one ``leaky`` rule (see the module docstring).

    Args:
        rule: a loaded leaky rule.
        track_dirty: remember changed keys so ``dirty_rows`` can persist them.
    """

    def __init__(self, rule: Rule, *, track_dirty: bool = False) -> None:
        self.rule = rule
        self._match: Condition = rule.match
        self._key = key_getter(rule.group_by)
        self._width = len(rule.group_by)
        self._capacity = int(rule.options["capacity"])
        self._leak = float(rule.options["leakspeed"])
        self._distinct = attrgetter(ECS_FIELDS[rule.distinct]) if rule.distinct else None
        self._buckets: dict[Key, Any] = {}  # _Bucket, or a compact single event
        self._fired: dict[Key, float] = {}
        self._dirty: set[Key] | None = set() if track_dirty else None
        self.conditions = [rule.match]
        # Swept once per leak, at least 10 s apart: a one-event bucket has drained by then.
        self.sweep_every = max(self._leak, 10.0)

    def __len__(self) -> int:
        """Number of keys with a bucket."""
        return len(self._buckets)

    def count(self, ev: AccessEvent) -> Alert | None:
        """Account an event already known to match."""
        key = self._key(ev)
        if key is None or ev.count <= 0:
            return None
        value = None
        if self._distinct is not None:
            value = self._distinct(ev)
            if value is None:
                return None
        ts = float(ev.timestamp)
        b = self._buckets.get(key)
        if b is None:
            if ev.count == 1 and self._capacity >= 1:
                self._buckets[key] = ts if value is None else (ts, value)
                if self._dirty is not None:
                    self._dirty.add(key)
                return None
            b = self._buckets[key] = _Bucket(ts)
        elif b.__class__ is not _Bucket:
            b = self._buckets[key] = _expand(b)
        if ts > b.last:
            b.level = max(0.0, b.level - (ts - b.last) / self._leak)
            b.last = ts
            if b.level == 0.0:
                b.first = ts
        if self._dirty is not None:
            self._dirty.add(key)
        if value is not None:
            held = b.values
            if held is None:
                held = b.values = []
            keep = math.ceil(b.level)
            if len(held) > keep:
                del held[: len(held) - keep]
            if value in held:
                return None
            held.append(value)
        b.level += ev.count
        if b.level <= self._capacity:
            return None
        fired = self._fired.get(key)
        if fired is not None and ts < fired + self.rule.cooldown:
            return None
        return self._fire(key, b, ev)

    def _fire(self, key: Key, b: _Bucket, ev: AccessEvent) -> Alert:
        rule = self.rule
        values = (key,) if self._width == 1 else key
        alert = Alert(
            rule=rule.name,
            rule_version=rule.version,
            severity=rule.severity,
            keys={f: str(v) for f, v in zip(rule.group_by, values, strict=True)},
            count=math.ceil(b.level),
            first_seen=b.first,
            last_seen=ev.timestamp,
            window=rule.window,
            distinct=len(b.values) if b.values is not None else None,
            evidence=((ev.file or "", ev.line),) if ev.line else (),
            labels=dict(rule.labels),
            description=rule.description,
        )
        del self._buckets[key]
        self._fired[key] = ev.timestamp
        return alert

    def evict(self, now: float) -> int:
        """Forget drained buckets and finished cool-downs; return how many buckets went."""
        leak = self._leak
        stale = [
            k
            for k, b in self._buckets.items()
            if (
                b.last + b.level * leak
                if b.__class__ is _Bucket
                else (b if b.__class__ is float else b[0]) + leak
            )
            <= now
        ]
        for k in stale:
            del self._buckets[k]
        cool = now - self.rule.cooldown
        done = [k for k, t in self._fired.items() if t < cool]
        for k in done:
            del self._fired[k]
        if self._dirty is not None:
            self._dirty.update(stale)
            self._dirty.update(done)
        return len(stale)

    def _state(self, key: Key) -> dict[str, Any] | None:
        b = self._buckets.get(key)
        if b is not None:
            b = _expand(b)
        fired = self._fired.get(key)
        if b is None and fired is None:
            return None
        state: dict[str, Any] = {"f": fired}
        if b is not None:
            state.update(l=b.level, t=b.last, s=b.first, v=b.values)
        return state

    def dirty_rows(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Yield ``(key_json, state or None)`` for keys changed since the last call."""
        if self._dirty is None:
            return
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            yield key_to_json(key, self._width), self._state(key)

    def all_rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield every key's state."""
        for key in set(self._buckets) | set(self._fired):
            state = self._state(key)
            if state is not None:
                yield key_to_json(key, self._width), state

    def restore(self, key_json: str, state: dict[str, Any]) -> None:
        """Load one key's persisted state (malformed parts are ignored)."""
        key = key_from_json(key_json, self._width)
        level, last = state.get("l"), state.get("t")
        if isinstance(level, int | float) and isinstance(last, int | float):
            b = _Bucket(float(last))
            b.level = min(float(level), float(self._capacity))
            first = state.get("s")
            b.first = float(first) if isinstance(first, int | float) else b.last
            values = state.get("v")
            if isinstance(values, list):
                b.values = values[-(self._capacity + 1) :]
            self._buckets[key] = b
        fired = state.get("f")
        if isinstance(fired, int | float):
            self._fired[key] = float(fired)


def parse_leaky(c: RuleChecker, common: dict[str, Any]) -> Rule:
    """Validate a ``leaky`` rule's own keys (``capacity``, ``leakspeed``, ``distinct``)."""
    capacity = c.positive_int("capacity", c.data.get("capacity"))
    leakspeed = c.duration("leakspeed", required=True)
    assert leakspeed is not None
    distinct = None
    if "distinct" in c.data:
        distinct = c.ecs_field("distinct", c.data["distinct"])
        if distinct in common["group_by"]:
            raise c.fail("distinct", "cannot also be a group_by field")
    if common["window"] is None:
        common["window"] = capacity * leakspeed
    return Rule(
        **common,
        distinct=distinct,
        options={"capacity": capacity, "leakspeed": leakspeed},
    )
