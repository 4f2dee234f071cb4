"""Fit per-key rate baselines from historical events with pandas.

For every ``rate`` rule: keep the events its ``match`` accepts, count them per
key per bucket (the rule's ``window``), and summarise each key's *active*
buckets (buckets with at least one event, the same convention as streaming):
mean and variance for ``ewma``, the last ``span`` counts for ``median_mad``.
The result is stored as that key's rate state (``bucket = -1``: no open
bucket), which the streaming evaluator then keeps updating incrementally.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from monitor._event import AccessEvent
from monitor.detect import Rule, key_getter, key_to_json

__all__ = ["FittedBaseline", "fit_baselines"]


@dataclass(frozen=True, slots=True)
class FittedBaseline:
    """Baselines fitted for one rate rule: ``rows`` are ``(key_json, state)``."""

    rule: str
    rows: list[tuple[str, dict[str, Any]]]
    events: int
    buckets: int


def fit_baselines(rules: Iterable[Rule], events: Iterable[AccessEvent]) -> list[FittedBaseline]:
    """Fit a baseline per key for every rate rule with a ``baseline``.

    Args:
        rules: loaded rules; non-rate rules are ignored.
        events: historical events (any order).

    Returns:
        One FittedBaseline per rate rule.
    """
    import pandas as pd  # optional dependency: the 'monitor' extra

    rate_rules = [r for r in rules if r.type == "rate" and r.baseline is not None]
    getters = [key_getter(r.group_by) for r in rate_rules]
    columns: list[dict[str, list[Any]]] = [{"key": [], "bucket": [], "w": []} for _ in rate_rules]
    for ev in events:
        for rule, get, col in zip(rate_rules, getters, columns, strict=True):
            if not rule.match.test(ev):
                continue
            key = get(ev)
            if key is None:
                continue
            col["key"].append(key_to_json(key, len(rule.group_by)))
            col["bucket"].append(int(ev.timestamp // rule.window))
            col["w"].append(ev.count)
    out = []
    for rule, col in zip(rate_rules, columns, strict=True):
        base = rule.baseline
        assert base is not None
        frame = pd.DataFrame(col)
        rows: list[tuple[str, dict[str, Any]]] = []
        n_buckets = 0
        if not frame.empty:
            counts = frame.groupby(["key", "bucket"], sort=True)["w"].sum()
            n_buckets = len(counts)
            for key, series in counts.groupby(level="key", sort=True):
                values = series.to_numpy()
                state: dict[str, Any] = {
                    "b": -1,
                    "c": 0,
                    "t": 0.0,
                    "m": float(values.mean()),
                    "v": float(values.var(ddof=0)),
                    "n": len(values),
                    "f": None,
                    "h": [int(x) for x in values[-base.span :]]
                    if base.method == "median_mad"
                    else None,
                }
                rows.append((str(key), state))
        out.append(FittedBaseline(rule.name, rows, len(frame), n_buckets))
    return out
