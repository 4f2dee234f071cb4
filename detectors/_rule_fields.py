"""Field checks shared by the PII rule builders (``detectors/_rule_*.py``).

Each check raises :class:`~logward_base.errors.RuleError` naming the file, the
rule and the field, and returns the checked value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from detectors._pattern import PatternRule
from detectors._protocols import Detector
from logward_base.errors import RuleError

if TYPE_CHECKING:
    from detectors._presidio import PresidioSpec

__all__ = [
    "RuleParts",
    "check_fields",
    "compile_regex",
    "enabled_field",
    "score_field",
    "strings_field",
]


@dataclass(slots=True)
class RuleParts:
    """What the rule builders add to while a rules directory is loaded.

    Attributes:
        patterns: pattern rules (``PatternDetector``; grouped by ``scan_group``).
        key_names: key name -> entity (``None`` for exclusions).
        presidio: Presidio recognizer specs, loaded as one detector.
        detectors: ready detectors of any other rule type.
    """

    patterns: list[PatternRule] = field(default_factory=list)
    key_names: dict[str, str | None] = field(default_factory=dict)
    presidio: list[PresidioSpec] = field(default_factory=list)
    detectors: list[Detector] = field(default_factory=list)


def check_fields(file: str, rule: str, data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Raise on the first field of ``data`` (sorted) that is not in ``allowed``."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RuleError(file, rule, unknown[0], f"unknown field for a {data.get('type')} rule")


def enabled_field(file: str, rule: str, data: Mapping[str, Any]) -> bool:
    """The rule's ``enabled`` flag (default true)."""
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(file, rule, "enabled", "must be true or false")
    return enabled


def compile_regex(regex: str, flags: int, file: str, rule: str, where: str) -> None:
    """Raise unless ``regex`` compiles with ``flags``."""
    try:
        re.compile(regex, flags)
    except re.error as exc:
        raise RuleError(file, rule, where, f"invalid regex: {exc}") from None
    except (OverflowError, RecursionError) as exc:  # e.g. a{4294967296}, deep nesting
        raise RuleError(file, rule, where, f"invalid regex: {type(exc).__name__}") from None


def score_field(value: Any, file: str, rule: str, where: str) -> float:
    """A number from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise RuleError(file, rule, where, "must be a number from 0 to 1")
    return float(value)


def strings_field(value: Any, file: str, rule: str, where: str) -> list[str]:
    """A list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuleError(file, rule, where, "must be a list of non-empty strings")
    return list(value)
