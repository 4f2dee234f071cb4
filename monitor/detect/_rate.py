"""The ``rate`` rule evaluator: per-key counts per bucket against the key's own baseline.

Buckets are ``window`` wide in event time. Each closed bucket updates the key's
baseline incrementally (EWMA mean and variance, or a bounded history for
median/MAD); buckets that fired are left out so an attack does not teach the
baseline that attacks are normal. Only active buckets (at least one event)
are learned: the baseline is the key's rate *while active*, so a quiet night
does not make every morning look abnormal (the offline fit does the same).
A fitted baseline has ``bucket = -1`` (no open bucket). The open bucket fires
as soon as its count crosses the limit (low latency), at most once per bucket
and not within ``cooldown``:

* ``ceiling``: count > ceiling, always (also during warm-up);
* baseline: after ``warm_up`` buckets, count >= ``min_volume`` and
  count > expected + sensitivity * spread, where spread is the EWMA standard
  deviation (or 1.4826 * MAD), floored at sqrt(expected) and 1 (Poisson noise).

Baselines fitted offline (``logward monitor baseline``) are loaded through
``restore`` in the same state format.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from typing import Any

from monitor._alert import Alert
from monitor._event import AccessEvent
from monitor.detect._keys import Key, key_from_json, key_getter, key_to_json
from monitor.detect._routed import MatchRouted
from monitor.detect._rule import Baseline, Rule, RuleChecker

__all__ = [
    "BASELINE_KEYS",
    "METHODS",
    "RATE_KEYS",
    "RateEvaluator",
    "RateState",
    "parse_rate",
    "spread_limit",
]

RATE_KEYS = frozenset({"baseline", "ceiling"})
BASELINE_KEYS = frozenset({"method", "warm_up", "min_volume", "sensitivity", "span"})
METHODS = ("ewma", "median_mad")


class RateState:
    """One key's open bucket and learned baseline."""

    __slots__ = ("bucket", "count", "fired", "first", "hist", "mean", "n", "var")

    def __init__(self, bucket: int, first: float) -> None:
        self.bucket = bucket
        self.count = 0
        self.first = first
        self.mean = 0.0
        self.var = 0.0
        self.n = 0
        self.fired: float | None = None
        self.hist: list[int] | None = None

    def to_json(self) -> dict[str, Any]:
        """The persisted form (``window_state.state``)."""
        return {
            "b": self.bucket,
            "c": self.count,
            "t": self.first,
            "m": self.mean,
            "v": self.var,
            "n": self.n,
            "f": self.fired,
            "h": self.hist,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateState:
        """Inverse of :meth:`to_json` (missing fields take neutral values)."""
        st = cls(int(data.get("b", 0)), float(data.get("t", 0.0)))
        st.count = int(data.get("c", 0))
        st.mean = float(data.get("m", 0.0))
        st.var = float(data.get("v", 0.0))
        st.n = int(data.get("n", 0))
        fired = data.get("f")
        st.fired = float(fired) if fired is not None else None
        hist = data.get("h")
        st.hist = [int(x) for x in hist] if isinstance(hist, list) else None
        return st


def spread_limit(base: Baseline, st: RateState) -> tuple[float, float]:
    """Return ``(expected, limit)`` for a key's next bucket under its baseline."""
    if base.method == "median_mad" and st.hist:
        expected = float(statistics.median(st.hist))
        mad = statistics.median(abs(x - expected) for x in st.hist)
        spread = 1.4826 * mad
    else:
        expected = st.mean
        spread = math.sqrt(max(st.var, 0.0))
    spread = max(spread, math.sqrt(max(expected, 0.0)), 1.0)
    return expected, expected + base.sensitivity * spread


class RateEvaluator(MatchRouted):
    """Evaluates one ``rate`` rule; same interface as ThresholdEvaluator."""

    __slots__ = (
        "_alpha",
        "_base",
        "_ceiling",
        "_dirty",
        "_key",
        "_keys",
        "_match",
        "_width",
        "_window",
        "conditions",
        "rule",
        "sweep_every",
    )

    def __init__(self, rule: Rule, *, track_dirty: bool = False) -> None:
        self.rule = rule
        self._match = rule.match
        self._key = key_getter(rule.group_by)
        self._width = len(rule.group_by)
        self._window = rule.window
        self._base = rule.baseline
        # Keys are kept for days: sweeping them every window would cost O(keys) a minute.
        self.sweep_every = max(rule.window, 600.0)
        self._ceiling = rule.ceiling
        self._alpha = 2.0 / (rule.baseline.span + 1) if rule.baseline else 0.0
        self._keys: dict[Key, RateState] = {}
        self._dirty: set[Key] | None = set() if track_dirty else None
        self.conditions = [rule.match]

    def __len__(self) -> int:
        return len(self._keys)

    def _learn(self, st: RateState, count: int) -> None:
        base = self._base
        if base is None:
            return
        if base.method == "median_mad":
            hist = st.hist if st.hist is not None else []
            hist.append(count)
            if len(hist) > base.span:
                del hist[0]
            st.hist = hist
        elif st.n == 0:
            st.mean = float(count)
        else:
            diff = count - st.mean
            incr = self._alpha * diff
            st.mean += incr
            st.var = (1.0 - self._alpha) * (st.var + diff * incr)
        st.n += 1

    def _roll(self, st: RateState, bucket: int, ts: float) -> None:
        fired_in_it = st.fired is not None and st.fired >= st.bucket * self._window
        if st.bucket >= 0 and st.count > 0 and not fired_in_it:
            self._learn(st, st.count)
        st.bucket = bucket
        st.count = 0
        st.first = ts

    def count(self, ev: AccessEvent) -> Alert | None:
        """Account an event already known to match."""
        key = self._key(ev)
        if key is None:
            return None
        ts = ev.timestamp
        bucket = int(ts // self._window)
        st = self._keys.get(key)
        if st is None:
            st = self._keys[key] = RateState(bucket, ts)
        elif bucket > st.bucket:
            self._roll(st, bucket, ts)
        elif bucket < st.bucket:
            return None  # too late for its bucket: already learned
        st.count += ev.count
        if self._dirty is not None:
            self._dirty.add(key)
        start = bucket * self._window
        if st.fired is not None and (st.fired >= start or ts < st.fired + self.rule.cooldown):
            return None
        reason = None
        expected = limit = 0.0
        base = self._base
        if self._ceiling is not None and st.count > self._ceiling:
            reason, limit = "ceiling", float(self._ceiling)
        elif base is not None and st.n >= base.warm_up and st.count >= base.min_volume:
            expected, limit = spread_limit(base, st)
            if st.count > limit:
                reason = "baseline"
        if reason is None:
            return None
        st.fired = ts
        rule = self.rule
        values = (key,) if self._width == 1 else key
        labels = dict(rule.labels)
        labels.update(reason=reason, expected=f"{expected:.1f}", limit=f"{limit:.1f}")
        return Alert(
            rule=rule.name,
            rule_version=rule.version,
            severity=rule.severity,
            keys={f: str(v) for f, v in zip(rule.group_by, values, strict=True)},
            count=st.count,
            first_seen=st.first,
            last_seen=ts,
            window=self._window,
            evidence=((ev.file or "", ev.line),) if ev.line else (),
            labels=labels,
            description=rule.description,
        )

    def evict(self, now: float, idle: float = 7 * 86400.0, cold: float = 3600.0) -> int:
        """Drop keys idle for ``idle`` seconds of event time (baselines included).

        A key that has not learned a baseline yet (fewer than ``warm_up``
        buckets, or a rule without baseline) goes after ``cold`` idle seconds,
        so a flood of one-off addresses holds memory for an hour, not a week.
        """
        horizon = int((now - idle) // self._window)
        early = int((now - cold) // self._window)
        warm = self._base.warm_up if self._base is not None else 1 << 62
        # A fitted baseline not yet used (bucket -1) stays until its key shows up.
        stale = [
            k
            for k, st in self._keys.items()
            if 0 <= st.bucket < horizon or (0 <= st.bucket < early and st.n < warm)
        ]
        for k in stale:
            del self._keys[k]
        if self._dirty is not None:
            self._dirty.update(stale)
        return len(stale)

    def dirty_rows(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Yield ``(key_json, state or None)`` for keys changed since the last call."""
        if self._dirty is None:
            return
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            st = self._keys.get(key)
            yield key_to_json(key, self._width), None if st is None else st.to_json()

    def all_rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield every key's state."""
        for key, st in self._keys.items():
            yield key_to_json(key, self._width), st.to_json()

    def restore(self, key_json: str, state: dict[str, Any]) -> None:
        """Load one key's persisted state (or a fitted baseline)."""
        self._keys[key_from_json(key_json, self._width)] = RateState.from_json(state)


def parse_rate(c: RuleChecker, common: dict[str, Any]) -> Rule:
    """Validate a ``rate`` rule's own keys."""
    ceiling = None
    if "ceiling" in c.data:
        ceiling = c.positive_int("ceiling", c.data["ceiling"])
    baseline = None
    if "baseline" in c.data:
        raw = c.get("baseline", dict)
        for key in raw:
            if key not in BASELINE_KEYS:
                raise c.fail(f"baseline.{key}", "unknown key")
        method = raw.get("method", "ewma")
        if method not in METHODS:
            raise c.fail("baseline.method", f"must be one of {', '.join(METHODS)}")
        sens = raw.get("sensitivity", 4.0)
        if isinstance(sens, bool) or not isinstance(sens, int | float) or not 0 < sens < math.inf:
            raise c.fail("baseline.sensitivity", "must be a positive finite number")
        baseline = Baseline(
            method=method,
            warm_up=c.positive_int("baseline.warm_up", raw.get("warm_up", 30)),
            min_volume=c.positive_int("baseline.min_volume", raw.get("min_volume", 20)),
            sensitivity=float(sens),
            span=c.positive_int("baseline.span", raw.get("span", 60)),
        )
    if baseline is None and ceiling is None:
        raise c.fail("baseline", "a rate rule needs 'baseline', 'ceiling' or both")
    return Rule(**common, baseline=baseline, ceiling=ceiling)
