"""Detection rules: the model and its strict YAML loader (one rule per file).

A rule file under ``rules/detections/`` holds one mapping, in the spirit of
CrowdSec scenarios::

    name: ssh-brute-force
    description: Many failed logins from one source address
    type: threshold            # threshold | rate | leaky (monitor.detect RULE_TYPES)
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

Leaky rules (CrowdSec leaky buckets, ``monitor.detect._leaky``)::

    capacity: 5                # overflows on the event that brings it above 5
    leakspeed: 10s             # one event leaks out every 10 s
    distinct: user.name        # optional: a value already in the bucket is not poured

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
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from logward_base.errors import RuleError
from monitor.detect import RULE_TYPES, SEVERITIES, Baseline, Rule, RuleChecker

__all__ = [
    "SEVERITIES",
    "Baseline",
    "Rule",
    "load_rule_file",
    "load_rules",
]

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
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _parse_rule(file: str, data: Any, version: str) -> Rule:
    if not isinstance(data, Mapping):
        raise RuleError(file, None, None, "a rule file must hold one mapping")
    c = RuleChecker(file, data)
    name = c.get("name", str, required=True)
    if not _NAME.match(name):
        raise c.fail("name", "must be lowercase letters, digits, '-', '_' or '.'")
    rtype = c.get("type", str, required=True)
    kind = RULE_TYPES.get(rtype)
    if kind is None:
        raise c.fail("type", f"must be one of {', '.join(sorted(RULE_TYPES))}")
    allowed = _COMMON_KEYS | kind.keys
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
    window = c.duration("window", required=kind.needs_window)
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
    return kind.parse(c, common)


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
