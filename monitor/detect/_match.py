"""Compile a rule's structured ``match`` into one fast predicate over AccessEvent.

Per field, a condition is:

* a scalar: equality (``event.outcome: failure``);
* a list of scalars: any of (``http.response.status_code: [401, 403]``);
* a mapping of operators, all of which must hold:
  ``cidr: [10.0.0.0/8, ...]``, ``regex: "^/admin"`` (``re.search``),
  ``not: <condition>``, ``gte``/``gt``/``lte``/``lt: <number>``,
  ``exists: true|false``, ``in: [...]``, ``eq: <scalar>``,
  ``contains: [...]`` / ``endswith: [...]`` (case-insensitive, any of the
  strings; or the name of a list file, one entry a line, ``#`` comments,
  relative to the rule file's folder, e.g. ``lists/admin-interfaces.txt``).

Conditions are compiled to closures once; the ``event.category`` and
``event.outcome`` values a condition can accept are kept so the engine can index
rules and skip the ones an event can never match.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from logward_base.errors import RuleError
from monitor._event import ECS_FIELDS, AccessEvent

__all__ = ["Condition", "Predicate", "compile_match"]

Predicate = Callable[[AccessEvent], bool]
_Test = Callable[[Any], bool]


class _BadCondition(Exception):
    """A bad condition at ``field`` (a dotted path below the rule key); becomes a RuleError."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


_OPS = {
    "cidr",
    "regex",
    "not",
    "gte",
    "gt",
    "lte",
    "lt",
    "exists",
    "in",
    "eq",
    "contains",
    "endswith",
}
_LIST_ENTRIES = 100_000
_CMP = {"gte": operator.ge, "gt": operator.gt, "lte": operator.le, "lt": operator.lt}
_Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled match: ``test(event) -> bool`` plus what it needs for indexing.

    Attributes:
        categories / outcomes: the only values of ``event.category`` /
            ``event.outcome`` that can match, or ``None`` for any.
    """

    test: Predicate
    categories: frozenset[str] | None
    outcomes: frozenset[str] | None
    only_route: bool = False

    def __call__(self, event: AccessEvent) -> bool:
        return self.test(event)

    def decide(self, category: str, outcome: str) -> bool | None:
        """The result for every event with this category and outcome, if fixed; else None."""
        if (self.categories is not None and category not in self.categories) or (
            self.outcomes is not None and outcome not in self.outcomes
        ):
            return False
        return True if self.only_route else None


def _scalar_ok(value: Any) -> bool:
    return isinstance(value, _Scalar)


def _value_test(field: str, spec: Any, base: Path | None = None) -> _Test:
    if isinstance(spec, list):
        if not spec or not all(_scalar_ok(v) for v in spec):
            raise _BadCondition(field, "a list must hold one or more plain values")
        choices = frozenset(spec)
        return lambda v: v in choices
    if isinstance(spec, Mapping):
        if not spec:
            raise _BadCondition(field, "an empty operator mapping")
        tests = [_op_test(field, str(op), arg, base) for op, arg in spec.items()]
        if len(tests) == 1:
            return tests[0]
        return lambda v: all(t(v) for t in tests)
    if spec is None or not _scalar_ok(spec):
        raise _BadCondition(field, "expected a value, a list or an operator mapping")
    return lambda v: v == spec


def _cidr_test(field: str, arg: Any) -> _Test:
    items = arg if isinstance(arg, list) else [arg]
    try:
        nets = tuple(ipaddress.ip_network(str(n), strict=False) for n in items)
    except ValueError:
        raise _BadCondition(f"{field}.cidr", "not a list of CIDR ranges") from None
    if not nets:
        raise _BadCondition(f"{field}.cidr", "empty list")
    cache: dict[str, bool] = {}

    def test(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        hit = cache.get(v)
        if hit is None:
            try:
                addr = ipaddress.ip_address(v)
            except ValueError:
                hit = False
            else:
                mapped = getattr(addr, "ipv4_mapped", None)
                hit = any(addr in n or (mapped is not None and mapped in n) for n in nets)
            if len(cache) > 65536:
                cache.clear()
            cache[v] = hit
        return hit

    return test


def _op_test(field: str, op: str, arg: Any, base: Path | None = None) -> _Test:
    if op not in _OPS:
        raise _BadCondition(f"{field}.{op}", "unknown operator")
    if op == "cidr":
        return _cidr_test(field, arg)
    if op in ("contains", "endswith"):
        return _strings_test(field, op, _strings(field, op, arg, base))
    if op == "regex":
        if not isinstance(arg, str):
            raise _BadCondition(f"{field}.regex", "must be a string")
        try:
            search = re.compile(arg).search
        except re.error:
            raise _BadCondition(f"{field}.regex", "invalid regular expression") from None
        return lambda v: v is not None and search(str(v)) is not None
    if op == "not":
        inner = _value_test(f"{field}.not", arg)
        return lambda v: not inner(v)
    if op in _CMP:
        if isinstance(arg, bool) or not isinstance(arg, int | float):
            raise _BadCondition(f"{field}.{op}", "must be a number")
        cmp = _CMP[op]
        return lambda v: isinstance(v, int | float) and cmp(v, arg)
    if op == "exists":
        if not isinstance(arg, bool):
            raise _BadCondition(f"{field}.exists", "must be true or false")
        return (lambda v: v is not None) if arg else (lambda v: v is None)
    if op == "in":
        return _value_test(f"{field}.in", list(arg) if isinstance(arg, list) else arg)
    return _value_test(f"{field}.eq", arg)


def _strings(field: str, op: str, arg: Any, base: Path | None) -> list[str]:
    """The entries of a ``contains``/``endswith`` list, inline or from a list file."""
    if isinstance(arg, str):
        if base is None:
            raise _BadCondition(f"{field}.{op}", "a list file needs a rule file to be relative to")
        path = (base / arg).resolve()
        if not path.is_relative_to(base.resolve()):
            raise _BadCondition(f"{field}.{op}", "the list file must be inside the rules folder")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise _BadCondition(f"{field}.{op}", f"cannot read list file {arg}") from None
        items = [ln.strip() for ln in text.splitlines()]
        items = [ln for ln in items if ln and not ln.startswith("#")]
    elif isinstance(arg, list) and all(isinstance(v, str) for v in arg):
        items = [v for v in arg if v]
    else:
        raise _BadCondition(f"{field}.{op}", "must be a list of strings or a list file name")
    if not items or len(items) > _LIST_ENTRIES:
        raise _BadCondition(f"{field}.{op}", f"needs 1 to {_LIST_ENTRIES} non-empty entries")
    return items


def _strings_test(field: str, op: str, items: list[str]) -> _Test:
    """Case-insensitive substring (``contains``) or suffix (``endswith``) of any entry."""
    lowered = sorted({i.lower() for i in items}, key=len, reverse=True)
    if op == "endswith":
        suffixes = tuple(lowered)
        return lambda v: isinstance(v, str) and v.lower().endswith(suffixes)
    find = re.compile("|".join(re.escape(i) for i in lowered), re.IGNORECASE).search
    return lambda v: isinstance(v, str) and find(v) is not None


def _allowed(spec: Any) -> frozenset[str] | None:
    """Values of a field a condition can accept, when it is plain equality/any-of."""
    if isinstance(spec, str):
        return frozenset([spec])
    if isinstance(spec, list) and all(isinstance(v, str) for v in spec):
        return frozenset(spec)
    return None


def compile_match(spec: Any, file: str, rule: str | None, key: str) -> Condition:
    """Compile a ``match`` mapping (``{ecs_field: condition}``) into a Condition.

    Args:
        spec: the mapping.
        file: the rule file; list files are relative to its folder.
        rule, key: the rule's name and the key holding ``spec`` (``match``,
            ``then.when``, ...), for the error.

    Raises:
        RuleError: an unknown field or a bad condition, naming ``<key>.<field>.<operator>``.
    """
    try:
        return _compile(spec, Path(file).parent)
    except _BadCondition as exc:
        where = f"{key}.{exc.field}" if exc.field else key
        raise RuleError(file, rule, where, exc.problem) from None


def _compile(spec: Any, base: Path | None) -> Condition:
    if not isinstance(spec, Mapping) or not spec:
        raise _BadCondition("", "must be a non-empty mapping of ECS fields to conditions")
    checks: list[tuple[str, _Test]] = []
    for field, cond in spec.items():
        if not isinstance(field, str) or field not in ECS_FIELDS or field == "@timestamp":
            raise _BadCondition(str(field), "not an ECS field of the event")
        checks.append((ECS_FIELDS[field], _value_test(field, cond, base)))
    # Cheapest first: the category/outcome checks reject most events.
    checks.sort(key=lambda c: c[0] not in ("category", "outcome"))
    test = _combine(checks)
    categories = _allowed(spec.get("event.category"))
    outcomes = _allowed(spec.get("event.outcome"))
    # The route (category, outcome) alone decides a condition on nothing else.
    only_route = all(f in ("event.category", "event.outcome") for f in spec) and (
        (categories is not None or "event.category" not in spec)
        and (outcomes is not None or "event.outcome" not in spec)
    )
    return Condition(test, categories, outcomes, only_route)


def _combine(checks: list[tuple[str, _Test]]) -> Predicate:
    if len(checks) == 1:
        (a1, t1) = checks[0]
        return lambda e: t1(getattr(e, a1))
    if len(checks) == 2:
        (a1, t1), (a2, t2) = checks
        return lambda e: t1(getattr(e, a1)) and t2(getattr(e, a2))
    if len(checks) == 3:
        (a1, t1), (a2, t2), (a3, t3) = checks
        return lambda e: t1(getattr(e, a1)) and t2(getattr(e, a2)) and t3(getattr(e, a3))
    frozen = tuple(checks)
    return lambda e: all(t(getattr(e, a)) for a, t in frozen)
