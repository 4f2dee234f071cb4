"""The scrub policy (``rules/scrub.yaml``): which operator each entity gets.

Example::

    threshold: 0.5              # findings scoring below are ignored
    max_depth: 32               # nesting depth of scrub_mapping; deeper is replaced
    default: {operator: replace}
    operators:
      CREDIT_CARD: {operator: mask, keep_last: 4}
      EMAIL_ADDRESS: {operator: pseudonym, length: 12}
    pseudonym: {key_file: null} # else $LOGWARD_PSEUDONYM_KEY
    key_value: {enabled: true, score: 0.9}

Loading is strict: unknown keys are errors naming the file and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mypy_extensions import mypyc_attr

from logward_base.errors import ConfigError, KeyMaterialError, RuleError
from scrubber._operators import (
    DropOperator,
    MaskOperator,
    Operator,
    PseudonymOperator,
    ReplaceOperator,
    load_pseudonym_key,
)

__all__ = ["ScrubPolicy", "merge_policy_data", "parse_policy"]

_TOP_KEYS = frozenset({"threshold", "max_depth", "default", "operators", "pseudonym", "key_value"})
_OPERATOR_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "replace": frozenset({"operator", "template"}),
        "mask": frozenset({"operator", "char", "keep_last"}),
        "pseudonym": frozenset({"operator", "length"}),
        "drop": frozenset({"operator"}),
    }
)
POLICY_RULE = "scrub policy"


@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class ScrubPolicy:
    """The entity → operator mapping and the engine's limits.

    Attributes:
        default: operator for entities without their own entry.
        operators: per-entity operators.
        threshold: minimum score of a finding to be redacted.
        max_depth: nesting depth beyond which ``scrub_mapping`` replaces content.
        key_value: whether ``key=value`` pairs in text are checked by key name.
        key_value_score: score of key-name findings in text.
    """

    default: Operator = field(default_factory=ReplaceOperator)
    operators: Mapping[str, Operator] = field(default_factory=dict)
    threshold: float = 0.5
    max_depth: int = 32
    key_value: bool = True
    key_value_score: float = 0.9

    def operator_for(self, entity: str) -> Operator:
        """Return the operator for ``entity``."""
        return self.operators.get(entity, self.default)


def merge_policy_data(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a later policy file into an earlier one (per-entity for ``operators``)."""
    merged = dict(base)
    for key, value in override.items():
        if key == "operators" and isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merged[key] = {**base[key], **value}
        elif key in ("pseudonym", "key_value") and isinstance(value, Mapping):
            previous = base.get(key)
            merged[key] = {**(previous if isinstance(previous, Mapping) else {}), **value}
        else:
            merged[key] = value
    return merged


def parse_policy(
    data: Mapping[str, Any], file: str, env: Mapping[str, str] | None = None
) -> ScrubPolicy:
    """Build a :class:`ScrubPolicy` from parsed YAML, strictly.

    Args:
        data: the (merged) policy mapping.
        file: the file name(s) to name in errors.
        env: environment for ``$LOGWARD_PSEUDONYM_KEY`` (default ``os.environ``).

    Raises:
        RuleError: a field is unknown or has the wrong type or value.
        KeyMaterialError: the pseudonym operator is used and no valid key is configured.
    """
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise RuleError(file, POLICY_RULE, unknown[0], "unknown field")
    threshold = _number(data.get("threshold", 0.5), file, "threshold")
    max_depth = data.get("max_depth", 32)
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or not 1 <= max_depth <= 256:
        raise RuleError(file, POLICY_RULE, "max_depth", "must be an integer from 1 to 256")
    pseudo = _mapping(data.get("pseudonym", {}), file, "pseudonym")
    if set(pseudo) - {"key_file"}:
        field_name = sorted(set(pseudo) - {"key_file"})[0]
        raise RuleError(file, POLICY_RULE, f"pseudonym.{field_name}", "unknown field")
    key_file = pseudo.get("key_file")
    if key_file is not None and not isinstance(key_file, str):
        raise RuleError(file, POLICY_RULE, "pseudonym.key_file", "must be a path string")
    kv = _mapping(data.get("key_value", {}), file, "key_value")
    if set(kv) - {"enabled", "score"}:
        field_name = sorted(set(kv) - {"enabled", "score"})[0]
        raise RuleError(file, POLICY_RULE, f"key_value.{field_name}", "unknown field")
    kv_enabled = kv.get("enabled", True)
    if not isinstance(kv_enabled, bool):
        raise RuleError(file, POLICY_RULE, "key_value.enabled", "must be true or false")
    kv_score = _number(kv.get("score", 0.9), file, "key_value.score")

    key_cache: list[bytes] = []

    def key() -> bytes:
        if not key_cache:
            key_cache.append(load_pseudonym_key(key_file, env))
        return key_cache[0]

    default = _operator(
        _mapping(data.get("default", {"operator": "replace"}), file, "default"),
        file,
        "default",
        key,
    )
    operators: dict[str, Operator] = {}
    for entity, spec in _mapping(data.get("operators", {}), file, "operators").items():
        where = f"operators.{entity}"
        if not isinstance(entity, str) or not entity.isupper():
            raise RuleError(file, POLICY_RULE, where, "entity names are UPPER_SNAKE strings")
        operators[entity] = _operator(_mapping(spec, file, where), file, where, key)
    return ScrubPolicy(
        default=default,
        operators=MappingProxyType(operators),
        threshold=threshold,
        max_depth=max_depth,
        key_value=kv_enabled,
        key_value_score=kv_score,
    )


def _operator(spec: Mapping[str, Any], file: str, where: str, key: Any) -> Operator:
    kind = spec.get("operator")
    if not isinstance(kind, str) or kind not in _OPERATOR_FIELDS:
        choices = ", ".join(sorted(_OPERATOR_FIELDS))
        raise RuleError(file, POLICY_RULE, f"{where}.operator", f"must be one of: {choices}")
    unknown = sorted(set(spec) - _OPERATOR_FIELDS[kind])
    if unknown:
        raise RuleError(file, POLICY_RULE, f"{where}.{unknown[0]}", f"unknown field for {kind}")
    try:
        if kind == "replace":
            return ReplaceOperator(_string(spec.get("template", "<{entity}>"), file, where))
        if kind == "mask":
            return MaskOperator(
                _string(spec.get("char", "*"), file, where), _int(spec, "keep_last", 0, file, where)
            )
        if kind == "pseudonym":
            return PseudonymOperator(key(), _int(spec, "length", 12, file, where))
        return DropOperator()
    except KeyMaterialError:
        raise
    except ConfigError as exc:
        if isinstance(exc, RuleError):
            raise
        raise RuleError(file, POLICY_RULE, where, str(exc)) from None


def _mapping(value: Any, file: str, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RuleError(file, POLICY_RULE, where, "must be a mapping")
    return value


def _string(value: Any, file: str, where: str) -> str:
    if not isinstance(value, str):
        raise RuleError(file, POLICY_RULE, where, "must be a string")
    return value


def _int(spec: Mapping[str, Any], name: str, default: int, file: str, where: str) -> int:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(file, POLICY_RULE, f"{where}.{name}", "must be an integer")
    return value


def _number(value: Any, file: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise RuleError(file, POLICY_RULE, where, "must be a number from 0 to 1")
    return float(value)
