"""The detection engine: all rules over one event stream, in event time.

Rules are indexed by ``(event.category, event.outcome)``: a rule whose
``match`` (or ``reset_on``/``then``) pins those fields is only offered events
that can match, so most events touch one or two rules. Open windows are
evicted as event time passes (each evaluator is swept once per its window,
at least every minute of event time), which bounds memory.

Scale-out: with ``key_field`` set (e.g. ``source.ip``), the engine evaluates
only rules whose ``group_by`` contains that field. Run one consumer group per
key family, with records keyed (partitioned) by that field: every event of a
key then reaches the one instance that owns the key, and no alert is raised
twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from monitor._alert import Alert
from monitor._event import AccessEvent
from monitor.detect._match import Condition
from monitor.detect._registry import RULE_TYPES
from monitor.detect._rule import Rule

__all__ = ["DetectionEngine", "Evaluator"]

_NO_ALERTS: list[Alert] = []


class Evaluator(Protocol):
    """What the engine needs from a rule evaluator."""

    rule: Rule
    conditions: list[Condition]

    def __len__(self) -> int: ...
    def route(
        self, category: str, outcome: str
    ) -> Callable[[AccessEvent], Alert | None] | None: ...
    def process(self, ev: AccessEvent) -> Alert | None: ...
    def evict(self, now: float) -> int: ...
    def dirty_rows(self) -> Iterator[tuple[str, dict[str, Any] | None]]: ...
    def all_rows(self) -> Iterator[tuple[str, dict[str, Any]]]: ...
    def restore(self, key_json: str, state: dict[str, Any]) -> None: ...


_Handler = Callable[[AccessEvent], Alert | None]


class DetectionEngine:
    """Runs every rule's evaluator over events and collects alerts.

    Args:
        rules: loaded rules (``monitor._rules.load_rules``).
        key_field: evaluate only rules grouped by this field (scale-out), or all.
        track_dirty: remember changed keys for incremental checkpoints.
    """

    def __init__(
        self, rules: Sequence[Rule], *, key_field: str | None = None, track_dirty: bool = False
    ) -> None:
        chosen = [r for r in rules if key_field is None or key_field in r.group_by]
        self.evaluators: list[Evaluator] = [
            RULE_TYPES[r.type].evaluator(r, track_dirty=track_dirty) for r in chosen
        ]
        self.by_name: dict[str, Evaluator] = {e.rule.name: e for e in self.evaluators}
        self._index: dict[tuple[str, str], tuple[_Handler, ...]] = {}
        self._sweep_every = [max(e.rule.window, 60.0) for e in self.evaluators]
        self._next_sweep = [0.0] * len(self.evaluators)
        self._next_any = 0.0
        self.watermark = 0.0
        self.events = 0

    @property
    def rules(self) -> list[Rule]:
        """The rules this engine evaluates."""
        return [e.rule for e in self.evaluators]

    def _route(self, category: str, outcome: str) -> tuple[_Handler, ...]:
        handlers = (e.route(category, outcome) for e in self.evaluators)
        found = tuple(h for h in handlers if h is not None)
        self._index[(category, outcome)] = found
        return found

    def routed_rules(self, category: str, outcome: str) -> list[str]:
        """Names of the rules offered events of this category and outcome."""
        return [e.rule.name for e in self.evaluators if e.route(category, outcome) is not None]

    def process(self, ev: AccessEvent) -> list[Alert]:
        """Feed one event; return the alerts it triggers (usually none)."""
        self.events += 1
        ts = ev.timestamp
        if ts > self.watermark:
            self.watermark = ts
            if ts >= self._next_any:
                self.evict(ts, due_only=True)
        route = self._index.get((ev.category, ev.outcome))
        if route is None:
            route = self._route(ev.category, ev.outcome)
        alerts = _NO_ALERTS
        for handle in route:
            alert = handle(ev)
            if alert is not None:
                if alerts is _NO_ALERTS:
                    alerts = []
                alerts.append(alert)
        return alerts

    def evict(self, now: float, *, due_only: bool = False) -> int:
        """Evict expired keys (from every evaluator, or those due); return how many went."""
        gone = 0
        for i, evaluator in enumerate(self.evaluators):
            if due_only and now < self._next_sweep[i]:
                continue
            gone += evaluator.evict(now)
            self._next_sweep[i] = now + self._sweep_every[i]
        self._next_any = min(self._next_sweep, default=float("inf"))
        return gone

    def open_keys(self) -> dict[str, int]:
        """Open keys per rule name."""
        return {e.rule.name: len(e) for e in self.evaluators}

    def restore(self, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
        """Load persisted ``(rule, key_json, state)`` rows; unknown rules are ignored."""
        loaded = 0
        for rule, key_json, state in rows:
            evaluator = self.by_name.get(rule)
            if evaluator is not None:
                evaluator.restore(key_json, state)
                loaded += 1
        return loaded
