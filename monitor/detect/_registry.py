"""Rule types: ``{type: RuleType}``, the one table the loader and the engine consult.

Adding a rule type is one new module (an evaluator class and a ``parse``
function for its own keys) and one line here, as ``monitor.parsers.PARSERS``
does for log formats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from monitor.detect._leaky import LEAKY_KEYS, LeakyEvaluator, parse_leaky
from monitor.detect._rate import RATE_KEYS, RateEvaluator, parse_rate
from monitor.detect._rule import Rule, RuleChecker
from monitor.detect._threshold import THRESHOLD_KEYS, ThresholdEvaluator, parse_threshold

__all__ = ["RULE_TYPES", "RuleType"]


class RuleType(NamedTuple):
    """One rule type.

    Attributes:
        evaluator: ``evaluator(rule, track_dirty=...)`` builds its evaluator.
        parse: validates the type's own keys, ``(checker, common) -> Rule``.
        keys: the keys the type accepts beyond the common ones.
        needs_window: ``window`` is required (else ``parse`` sets it).
    """

    evaluator: Callable[..., Any]
    parse: Callable[[RuleChecker, dict[str, Any]], Rule]
    keys: frozenset[str]
    needs_window: bool = True


RULE_TYPES: dict[str, RuleType] = {
    "leaky": RuleType(LeakyEvaluator, parse_leaky, LEAKY_KEYS, needs_window=False),
    "rate": RuleType(RateEvaluator, parse_rate, RATE_KEYS),
    "threshold": RuleType(ThresholdEvaluator, parse_threshold, THRESHOLD_KEYS),
}
