"""The detection rule model and the field checker rule types validate with.

A rule type (``monitor.detect._registry``) parses its own keys with a
:class:`RuleChecker`, whose errors name the file, the rule and the field.
Settings of types other than ``threshold`` and ``rate`` live in ``Rule.options``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from logward_base import parse_duration
from logward_base.errors import RuleError
from monitor._event import ECS_FIELDS
from monitor.detect._match import Condition, compile_match

__all__ = ["SEVERITIES", "Baseline", "Rule", "RuleChecker"]

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class Baseline:
    """How a rate rule learns what is normal for one key."""

    method: str = "ewma"
    warm_up: int = 30
    min_volume: int = 20
    sensitivity: float = 4.0
    span: int = 60


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated detection rule. Predicates are compiled at load time."""

    name: str
    type: str
    severity: str
    match: Condition
    group_by: tuple[str, ...]
    window: float
    file: str
    version: str
    description: str = ""
    cooldown: float = 0.0
    threshold: int = 1
    distinct: str | None = None
    max_per_value: int | None = None
    reset_on: Condition | None = None
    then: Condition | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    baseline: Baseline | None = None
    ceiling: int | None = None
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)  # a rule type's own settings


class RuleChecker:
    """Field-by-field validation of one rule mapping, raising named RuleErrors."""

    def __init__(self, file: str, data: Mapping[str, Any]) -> None:
        self.file = file
        self.data = data
        raw_name = data.get("name")
        self.rule = raw_name if isinstance(raw_name, str) else None

    def fail(self, field_name: str | None, message: str) -> RuleError:
        return RuleError(self.file, self.rule, field_name, message)

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(key, "is required")
            return None
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(key, "must be a number")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(key, f"must be of type {names}")
        return value

    def duration(self, key: str, *, required: bool = False) -> float | None:
        if key not in self.data:
            if required:
                raise self.fail(key, "is required")
            return None
        try:
            return parse_duration(self.data[key])
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def positive_int(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(key, "must be a positive integer")
        return value

    def ecs_field(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in ECS_FIELDS or value == "@timestamp":
            raise self.fail(key, "must name an ECS field of the event (e.g. 'source.ip')")
        return value

    def condition(self, key: str, value: Any) -> Condition:
        return compile_match(value, self.file, self.rule, key)
