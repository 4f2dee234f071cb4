"""PII detectors: a fast pattern tier with validators, and an optional NER tier.

Importing this package loads no model and reads no file.
"""

from detectors._base import BatchDetector, Detector, Finding
from detectors._keys import KeyNameMatcher, KeyValueDetector, split_key
from detectors._names_config import load_name_detectors
from detectors._ner import SpacyNerDetector, load_ner_detector
from detectors._pattern import ContextRule, PatternDetector, PatternRule, PatternSpec
from detectors._person import PersonNameDetector
from detectors._presidio import PresidioDetector, PresidioSpec, load_presidio_detector
from detectors._rule_fields import (
    RuleParts,
    check_fields,
    compile_regex,
    enabled_field,
    score_field,
    strings_field,
)
from detectors._rules import RULE_TYPES, LoadedRules, RuleBuilder, load_rules
from detectors._scan_group import ScanGroupDetector
from detectors._validators import VALIDATORS

__all__ = [
    "RULE_TYPES",
    "VALIDATORS",
    "BatchDetector",
    "ContextRule",
    "Detector",
    "Finding",
    "KeyNameMatcher",
    "KeyValueDetector",
    "LoadedRules",
    "PatternDetector",
    "PatternRule",
    "PatternSpec",
    "PersonNameDetector",
    "PresidioDetector",
    "PresidioSpec",
    "RuleBuilder",
    "RuleParts",
    "ScanGroupDetector",
    "SpacyNerDetector",
    "check_fields",
    "compile_regex",
    "enabled_field",
    "load_name_detectors",
    "load_ner_detector",
    "load_presidio_detector",
    "load_rules",
    "score_field",
    "split_key",
    "strings_field",
]
