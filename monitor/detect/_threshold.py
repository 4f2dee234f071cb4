"""The ``threshold`` rule evaluator: sliding event-time windows per key.

Memory is what matters at a million open keys, so a window is one flat Python
list, ``[total_weight, ts0, w0, ts1, w1, ...]`` (with a third slot per entry,
the distinct value, when the rule has ``distinct``). Windows are pruned as
events arrive and whole keys are evicted by ``evict(now)`` once their newest
entry has left the window. When a rule fires, its key's window is cleared (the
next alert needs fresh evidence) and the key enters ``cooldown``.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import Any

from monitor._alert import Alert
from monitor._event import ECS_FIELDS, AccessEvent
from monitor.detect._distinct import DistinctWindow
from monitor.detect._match import Condition
from monitor.detect._rule import Rule, RuleChecker

__all__ = [
    "THRESHOLD_KEYS",
    "Key",
    "ThresholdEvaluator",
    "key_from_json",
    "key_getter",
    "key_to_json",
    "parse_threshold",
]

Key = Any  # one group_by value, or a tuple of them
MAX_ENTRIES = 2048  # per key; beyond it the oldest entries are dropped (counts saturate)
THRESHOLD_KEYS = frozenset({"distinct", "threshold", "reset_on", "then", "max_per_value"})
RESOLUTION = 1024  # events less than window/RESOLUTION apart share one entry


def key_getter(group_by: tuple[str, ...]) -> Callable[[AccessEvent], Key]:
    """Return ``event -> key`` for the group_by fields; the key is ``None`` if any is unset."""
    attrs = [ECS_FIELDS[f] for f in group_by]
    if len(attrs) == 1:
        return attrgetter(attrs[0])
    get = attrgetter(*attrs)

    def key(event: AccessEvent) -> Key:
        values = get(event)
        return None if None in values else values

    return key


def key_to_json(key: Key, width: int) -> str:
    """Serialise a key for the ``window_state.key`` column."""
    return json.dumps([key] if width == 1 else list(key))


def key_from_json(text: str, width: int) -> Key:
    """Inverse of :func:`key_to_json`."""
    values = json.loads(text)
    return values[0] if width == 1 else tuple(values)


def _as_list(win: Any) -> list[Any] | None:
    """A window in its list form.

    Single events of weight 1 are stored compactly: a bare float (timestamp) for
    rules without ``distinct``, a ``(timestamp, value)`` tuple for the others.
    """
    if win.__class__ is float:
        return [1, win, 1]
    if win.__class__ is tuple:
        return [1, win[0], 1, win[1]]
    return win  # type: ignore[no-any-return]


class ThresholdEvaluator:
    """Evaluates one ``threshold`` rule over a stream of events in event time.

    Args:
        rule: a loaded threshold rule.
        track_dirty: remember changed keys so ``dirty_rows`` can persist them.
    """

    __slots__ = (
        "_cooldown",
        "_dirty",
        "_distinct",
        "_fired",
        "_key",
        "_match",
        "_reset",
        "_stride",
        "_then",
        "_threshold",
        "_vcap",
        "_width",
        "_window",
        "_wins",
        "conditions",
        "count",
        "rule",
    )

    def __init__(self, rule: Rule, *, track_dirty: bool = False) -> None:
        self.rule = rule
        self._match: Condition = rule.match
        self._reset = rule.reset_on
        self._then = rule.then
        self._key = key_getter(rule.group_by)
        self._width = len(rule.group_by)
        self._window = rule.window
        self._cooldown = rule.cooldown
        self._threshold = rule.threshold
        self._distinct = attrgetter(ECS_FIELDS[rule.distinct]) if rule.distinct else None
        self._stride = 3 if rule.distinct else 2
        # A key's window: a flat list, or for a single event of weight 1 a compact
        # float / (ts, value) tuple (see ``_as_list``): most keys see one event.
        self._wins: dict[Key, Any] = {}
        self._fired: dict[Key, float] = {}
        self._dirty: set[Key] | None = set() if track_dirty else None
        limit = rule.max_per_value
        self._vcap = rule.threshold if limit is None else max(8 * rule.threshold, 64)
        self.conditions = [c for c in (rule.match, rule.reset_on, rule.then) if c is not None]
        self.count = self._make_count()

    def __len__(self) -> int:
        """Number of keys with an open window."""
        return len(self._wins)

    def route(self, category: str, outcome: str) -> Callable[[AccessEvent], Alert | None] | None:
        """The cheapest handler for events of this category and outcome (None: never matches).

        When the route alone decides ``match`` (and rules out ``reset_on``/``then``),
        the handler skips the predicates entirely.
        """
        match = self._match.decide(category, outcome)
        reset = self._reset.decide(category, outcome) if self._reset is not None else False
        then = self._then.decide(category, outcome) if self._then is not None else False
        if match is False and reset is False and then is False:
            return None
        if match is True and reset is False and then is False:
            return self.count
        return self.process

    def process(self, ev: AccessEvent) -> Alert | None:
        """Account one event; return an Alert if the rule fires for its key."""
        reset = self._reset
        if reset is not None and reset.test(ev):
            key = self._key(ev)
            if (
                key is not None
                and self._wins.pop(key, None) is not None
                and self._dirty is not None
            ):
                self._dirty.add(key)
        then = self._then
        if then is not None and then.test(ev):
            return self._sequence(ev)
        if not self._match.test(ev):
            return None
        return self.count(ev)

    def _make_count(self) -> Callable[[AccessEvent], Alert | None]:
        """Build ``count`` as a closure over locals: it runs for every matching event."""
        key_of = self._key
        wins = self._wins
        fired_at = self._fired
        dirty = self._dirty
        distinct_of = self._distinct
        stride = self._stride
        window = self._window
        threshold = self._threshold
        cooldown = self._cooldown
        sequence = self._then is not None
        prune = self._prune
        fire = self._fire
        cap = MAX_ENTRIES * stride + 1
        resolution = window / RESOLUTION
        limit = self.rule.max_per_value
        vcap = self._vcap
        insort_at = bisect.bisect_right

        def count(ev: AccessEvent) -> Alert | None:
            """Account an event already known to match; return an Alert if the key fires."""
            key = key_of(ev)
            if key is None:
                return None
            ts = float(ev.timestamp)
            w = ev.count
            win = wins.get(key)
            if stride == 2:
                if win is None and w == 1 and threshold > 1:
                    wins[key] = ts
                    if dirty is not None:
                        dirty.add(key)
                    return None
                if win.__class__ is float:
                    wins[key] = win = [1, win, 1]
                entry: list[Any] = [ts, w]
            else:
                value = distinct_of(ev)  # type: ignore[misc]
                if value is None:
                    return None
                if win is None and w == 1 and threshold > 1:
                    wins[key] = (ts, value)
                    if dirty is not None:
                        dirty.add(key)
                    return None
                if dirty is not None:
                    dirty.add(key)
                if win.__class__ is not DistinctWindow:
                    old = win
                    wins[key] = win = DistinctWindow(window, limit, vcap)
                    if old is not None:
                        win.add(old[0], 1, old[1])
                if not win.add(ts, w, value) or win.live < threshold:
                    return None
                fired = fired_at.get(key)
                if fired is not None and ts < fired + cooldown:
                    return None
                return fire(key, win.total, win.first_seen(), ev, win.live)
            if dirty is not None:
                dirty.add(key)
            if win is None:
                wins[key] = win = [w, *entry]
                if sequence or w < threshold:
                    return None
            else:
                if len(win) > 1 and win[1] < ts - window:
                    prune(win, ts - window)
                if len(win) > 1 and 0 <= ts - win[-2] < resolution:
                    win[-1] += w  # same time bucket: one entry, constant size
                elif len(win) == 1 or ts >= win[-stride]:
                    win.extend(entry)
                else:  # late event: keep the entries sorted by time
                    at = 1 + insort_at(win[1::stride], ts) * stride
                    win[at:at] = entry
                win[0] += w
                if len(win) > cap:
                    win[0] -= win[2]
                    del win[1 : 1 + stride]
                if sequence or win[0] < threshold:
                    return None
            fired = fired_at.get(key)
            if fired is not None and ts < fired + cooldown:
                return None
            return fire(key, win[0], win[1] if len(win) > 1 else ts, ev, None)

        return count

    def _sequence(self, ev: AccessEvent) -> Alert | None:
        key = self._key(ev)
        if key is None:
            return None
        win = self._wins.get(key)
        if win is None:
            return None
        if win.__class__ is float:
            self._wins[key] = win = [1, win, 1]
        ts = ev.timestamp
        if len(win) > 1 and win[1] < ts - self._window:
            self._prune(win, ts - self._window)
        if win[0] < self._threshold:
            if len(win) == 1:
                del self._wins[key]
                if self._dirty is not None:
                    self._dirty.add(key)
            return None
        fired = self._fired.get(key)
        if fired is not None and ts < fired + self._cooldown:
            return None
        return self._fire(key, win[0], win[1] if len(win) > 1 else ts, ev, None)

    def _prune(self, win: list[Any], horizon: float) -> None:
        stride = self._stride
        i = 1
        n = len(win)
        dropped = 0
        while i < n and win[i] < horizon:
            dropped += win[i + 1]
            i += stride
        if i > 1:
            del win[1:i]
            win[0] -= dropped

    def _fire(
        self, key: Key, count: int, first: float, ev: AccessEvent, distinct: int | None
    ) -> Alert:
        rule = self.rule
        values = (key,) if self._width == 1 else key
        evidence: tuple[tuple[str, int], ...] = ((ev.file or "", ev.line),) if ev.line else ()
        alert = Alert(
            rule=rule.name,
            rule_version=rule.version,
            severity=rule.severity,
            keys={f: str(v) for f, v in zip(rule.group_by, values, strict=True)},
            count=int(count),
            first_seen=first,
            last_seen=ev.timestamp,
            window=rule.window,
            distinct=distinct,
            evidence=evidence,
            labels=dict(rule.labels),
            description=rule.description,
        )
        del self._wins[key]
        self._fired[key] = ev.timestamp
        if self._dirty is not None:
            self._dirty.add(key)
        return alert

    def evict(self, now: float) -> int:
        """Drop keys whose whole window (and cooldown) lies before ``now``; return how many."""
        horizon = now - self._window
        stride = self._stride
        stale = [
            k
            for k, win in self._wins.items()
            if (
                win < horizon
                if win.__class__ is float
                else win[0] < horizon
                if win.__class__ is tuple
                else win.last < horizon
                if win.__class__ is DistinctWindow
                else len(win) == 1 or win[-stride] < horizon
            )
        ]
        for k in stale:
            del self._wins[k]
        cool = now - self._cooldown
        done = [k for k, t in self._fired.items() if t < cool]
        for k in done:
            del self._fired[k]
        if self._dirty is not None:
            self._dirty.update(stale)
            self._dirty.update(done)
        return len(stale)

    def dirty_rows(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Yield ``(key_json, state or None)`` for keys changed since the last call."""
        if self._dirty is None:
            return
        dirty = set(self._dirty)
        self._dirty.clear()  # the same set: ``count`` holds a reference to it
        for key in dirty:
            win = self._wins.get(key)
            fired = self._fired.get(key)
            state = None if win is None and fired is None else self._state(win, fired)
            yield key_to_json(key, self._width), state

    def _state(self, win: Any, fired: float | None) -> dict[str, Any]:
        if win.__class__ is DistinctWindow:
            return {**win.to_json(), "f": fired}
        if win.__class__ is tuple:
            return {"d": [[win[1], win[0], 1, win[0]]], "f": fired}
        return {"w": _as_list(win), "f": fired}

    def all_rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield every key's state (for a full snapshot)."""
        for key in set(self._wins) | set(self._fired):
            yield (
                key_to_json(key, self._width),
                self._state(self._wins.get(key), self._fired.get(key)),
            )

    def restore(self, key_json: str, state: dict[str, Any]) -> None:
        """Load one key's persisted state."""
        key = key_from_json(key_json, self._width)
        win = state.get("w")
        if self._stride == 3:
            dwin = DistinctWindow.from_json(
                state, self._window, self.rule.max_per_value, self._vcap
            )
            if dwin is not None and dwin.vals:
                self._wins[key] = dwin
        elif isinstance(win, list) and len(win) >= 1 and (len(win) - 1) % self._stride == 0:
            self._wins[key] = win
        fired = state.get("f")
        if isinstance(fired, int | float):
            self._fired[key] = float(fired)


def parse_threshold(c: RuleChecker, common: dict[str, Any]) -> Rule:
    """Validate a ``threshold`` rule's own keys."""
    threshold = c.positive_int("threshold", c.data.get("threshold"))
    distinct = None
    if "distinct" in c.data:
        distinct = c.ecs_field("distinct", c.data["distinct"])
        if distinct in common["group_by"]:
            raise c.fail("distinct", "cannot also be a group_by field")
    max_per_value = None
    if "max_per_value" in c.data:
        max_per_value = c.positive_int("max_per_value", c.data["max_per_value"])
        if distinct is None:
            raise c.fail("max_per_value", "needs 'distinct'")
    reset_on = None
    if "reset_on" in c.data:
        reset_on = c.condition("reset_on", c.get("reset_on", dict))
    then = None
    if "then" in c.data:
        then_raw = c.get("then", dict)
        for key in then_raw:
            if key != "match":
                raise c.fail(f"then.{key}", "unknown key (only 'match')")
        if "match" not in then_raw or not isinstance(then_raw["match"], dict):
            raise c.fail("then.match", "is required and must be a mapping")
        then = c.condition("then.match", then_raw["match"])
        if distinct is not None:
            raise c.fail("then", "cannot be combined with 'distinct'")
    return Rule(
        **common,
        threshold=threshold,
        distinct=distinct,
        max_per_value=max_per_value,
        reset_on=reset_on,
        then=then,
    )
