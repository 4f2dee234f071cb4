"""Detection rules: the model and its strict YAML loader (one rule per file).

A rule file under ``rules/detections/`` holds one mapping, in the spirit of
CrowdSec scenarios::

    name: ssh-brute-force
    description: Many failed logins from one source address
    type: threshold            # threshold | rate
    severity: high             # low | medium | high | critical
    match:                     # structured; every field must hold
      event.category: authentication
      event.outcome: failure
    group_by: [source.ip]
    distinct: user.name        # optional: count distinct values instead of events
    threshold: 10
    window: 5m
    cooldown: 15m
    reset_on: {event.outcome: success}   # optional: clears the key's window
    labels: {mitre: T1110.001}

Match conditions per field (see ``monitor.detect._match``): a scalar
(equality), a list (any of), or a mapping of operators ``cidr``, ``regex``,
``not``, ``gte``/``gt``/``lte``/``lt``, ``exists``.

Threshold extras:

* ``max_per_value: N`` (needs ``distinct``): only distinct values seen at most
  N times in the window count (password spraying: many accounts, few tries each).
* ``then: {match: {...}}``: the *sequence* form, "N matching events, then one
  ``then`` event for the same key within the window" (success after a burst of
  failures). The window fills with ``match`` events; a ``then`` event fires if
  the window holds at least ``threshold`` (and clears it).

Rate rules count matching events per key in buckets of ``window`` and compare
each bucket with the key's own baseline::

    baseline: {method: ewma, warm_up: 30, min_volume: 20, sensitivity: 4, span: 60}
    ceiling: 600               # optional static maximum per bucket

``warm_up`` is a number of buckets, ``span`` the EWMA span (buckets) or the
median/MAD history length. Loading is strict: unknown keys and bad values raise
``RuleError(file, rule, field, message)``. ``version`` is a short hash of the
file's bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from logward.errors import RuleError
from monitor.detect._match import Condition, compile_match
from monitor._event import ECS_FIELDS

__all__ = [
    "SEVERITIES",
    "Baseline",
    "Rule",
    "load_rule_file",
    "load_rules",
    "parse_duration",
]

SEVERITIES = ("low", "medium", "high", "critical")
_TYPES = ("threshold", "rate")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_COMMON_KEYS = {
    "name",
    "description",
    "type",
    "severity",
    "match",
    "group_by",
    "labels",
    "window",
    "cooldown",
    "enabled",
}
_THRESHOLD_KEYS = {"distinct", "threshold", "reset_on", "then", "max_per_value"}
_RATE_KEYS = {"baseline", "ceiling"}
_BASELINE_KEYS = {"method", "warm_up", "min_volume", "sensitivity", "span"}
_METHODS = ("ewma", "median_mad")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def parse_duration(value: Any) -> float:
    """Parse ``"30s"``, ``"5m"``, ``"1h"``, ``"1d"``, ``"250ms"`` or a number of seconds.

    Raises:
        ValueError: the value is not a positive duration.
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '5m'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError("expected a duration such as '30s', '5m', '1h' or '1d'")
    if not 0 < seconds < math.inf:  # NaN fails too
        raise ValueError("duration must be positive and finite")
    return seconds


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


class _Checker:
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
        try:
            return compile_match(value)
        except ValueError as exc:
            # compile_match reports "<field>: <problem>"; prefix the rule key.
            sub, _, problem = str(exc).partition(": ")
            raise self.fail(f"{key}.{sub}" if problem else key, problem or str(exc)) from None


def _parse_rule(file: str, data: Any, version: str) -> Rule:
    if not isinstance(data, Mapping):
        raise RuleError(file, None, None, "a rule file must hold one mapping")
    c = _Checker(file, data)
    name = c.get("name", str, required=True)
    if not _NAME.match(name):
        raise c.fail("name", "must be lowercase letters, digits, '-', '_' or '.'")
    rtype = c.get("type", str, required=True)
    if rtype not in _TYPES:
        raise c.fail("type", f"must be one of {', '.join(_TYPES)}")
    allowed = _COMMON_KEYS | (_THRESHOLD_KEYS if rtype == "threshold" else _RATE_KEYS)
    for key in data:
        if key not in allowed:
            raise c.fail(str(key), f"unknown key for a {rtype} rule")
    severity = c.get("severity", str, required=True)
    if severity not in SEVERITIES:
        raise c.fail("severity", f"must be one of {', '.join(SEVERITIES)}")
    description = c.get("description", str) or ""
    match = c.condition("match", c.get("match", dict, required=True))
    group_raw = c.get("group_by", list, required=True)
    if not group_raw:
        raise c.fail("group_by", "must list at least one field")
    group_by = tuple(c.ecs_field("group_by", g) for g in group_raw)
    if len(set(group_by)) != len(group_by):
        raise c.fail("group_by", "lists a field twice")
    window = c.duration("window", required=True)
    assert window is not None
    cooldown = c.duration("cooldown") or 0.0
    labels_raw = c.get("labels", dict) or {}
    labels: dict[str, str] = {}
    for k, v in labels_raw.items():
        if not isinstance(k, str) or not isinstance(v, str | int | float) or isinstance(v, bool):
            raise c.fail(f"labels.{k}", "labels map names to strings")
        labels[k] = str(v)
    enabled = c.get("enabled", bool)
    common: dict[str, Any] = {
        "name": name,
        "type": rtype,
        "severity": severity,
        "match": match,
        "group_by": group_by,
        "window": window,
        "file": file,
        "version": version,
        "description": description,
        "cooldown": cooldown,
        "labels": labels,
        "enabled": True if enabled is None else enabled,
    }
    if rtype == "threshold":
        return _threshold(c, common)
    return _rate(c, common)


def _threshold(c: _Checker, common: dict[str, Any]) -> Rule:
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


def _rate(c: _Checker, common: dict[str, Any]) -> Rule:
    ceiling = None
    if "ceiling" in c.data:
        ceiling = c.positive_int("ceiling", c.data["ceiling"])
    baseline = None
    if "baseline" in c.data:
        raw = c.get("baseline", dict)
        for key in raw:
            if key not in _BASELINE_KEYS:
                raise c.fail(f"baseline.{key}", "unknown key")
        method = raw.get("method", "ewma")
        if method not in _METHODS:
            raise c.fail("baseline.method", f"must be one of {', '.join(_METHODS)}")
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


def load_rule_file(path: str | Path) -> Rule:
    """Load and validate one rule file.

    Raises:
        RuleError: the file cannot be read or parsed, or the rule is invalid.
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RuleError(file, None, None, f"cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RuleError(file, None, None, f"invalid YAML{where}") from None
    except RecursionError:
        raise RuleError(file, None, None, "invalid YAML: nested too deeply") from None
    return _parse_rule(file, data, hashlib.sha256(raw).hexdigest()[:12])


def load_rules(directory: str | Path, *, enabled_only: bool = True) -> list[Rule]:
    """Load every ``*.yaml``/``*.yml`` rule under ``directory`` (sorted by file name).

    Args:
        directory: a ``detections`` folder, or a rules root holding ``detections/``.
        enabled_only: drop rules with ``enabled: false``.

    Raises:
        RuleError: any file is invalid, or two files define the same rule name.
    """
    root = Path(directory)
    if (root / "detections").is_dir():
        root = root / "detections"
    if not root.is_dir():
        raise RuleError(str(root), None, None, "is not a directory of rule files")
    files: Sequence[Path] = sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        rule = load_rule_file(path)
        if rule.name in seen:
            raise RuleError(str(path), rule.name, "name", f"already defined in {seen[rule.name]}")
        seen[rule.name] = str(path)
        if rule.enabled or not enabled_only:
            rules.append(rule)
    return rules
