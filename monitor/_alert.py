"""Alerts: what a detection rule emits and what responses act on.

CONTRACT between detection (rules) and response (revokers, audit, store).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from monitor._event import iso_time

__all__ = ["Alert"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One firing of a detection rule for one key.

    Attributes:
        rule: rule name; ``rule_version`` is a hash of the rule file's content.
        keys: the ``group_by`` values, ECS dotted names, e.g. ``{"user.name": "bob"}``.
        count: weighted events in the window when it fired.
        distinct: number of distinct values of the rule's ``distinct`` field, if any.
        first_seen / last_seen: event times (epoch seconds) bounding the evidence.
        evidence: references to triggering events as ``(file, line)`` pairs (bounded).
    """

    rule: str
    rule_version: str
    severity: str
    keys: dict[str, str]
    count: int
    first_seen: float
    last_seen: float
    window: float
    distinct: int | None = None
    evidence: tuple[tuple[str, int], ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def id(self) -> str:
        """A stable id: the same firing replayed twice gets the same id."""
        raw = json.dumps([self.rule, self.keys, round(self.first_seen, 3)], sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def key_text(self) -> str:
        """``k=v`` pairs joined by spaces, sorted by field name."""
        return " ".join(f"{k}={v}" for k, v in sorted(self.keys.items()))

    def to_json(self) -> dict[str, Any]:
        """The alert as the JSON object ``logward monitor replay`` prints (without actions)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "rule_version": self.rule_version,
            "severity": self.severity,
            "keys": dict(self.keys),
            "count": self.count,
            "distinct": self.distinct,
            "first_seen": iso_time(self.first_seen),
            "last_seen": iso_time(self.last_seen),
            "window_seconds": self.window,
            "labels": dict(self.labels),
            "evidence": [{"file": f, "line": n} for f, n in self.evidence],
        }
