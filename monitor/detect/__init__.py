"""Detection: one evaluator per rule type, a ``{type: RuleType}`` registry, the engine.

Import from ``monitor`` (the package root re-exports what callers need).
"""

from monitor.detect._engine import DetectionEngine, Evaluator
from monitor.detect._keys import key_getter, key_to_json
from monitor.detect._leaky import LeakyEvaluator
from monitor.detect._rate import RateEvaluator
from monitor.detect._registry import RULE_TYPES, RuleType
from monitor.detect._rule import SEVERITIES, Baseline, Rule, RuleChecker
from monitor.detect._threshold import ThresholdEvaluator

__all__ = [
    "RULE_TYPES",
    "SEVERITIES",
    "Baseline",
    "DetectionEngine",
    "Evaluator",
    "LeakyEvaluator",
    "RateEvaluator",
    "Rule",
    "RuleChecker",
    "RuleType",
    "ThresholdEvaluator",
    "key_getter",
    "key_to_json",
]
