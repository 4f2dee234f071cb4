"""PII detectors: a fast pattern tier with validators, and an optional NER tier.

Importing this package loads no model and reads no file. The NER tier, the
street-address grammar and the Presidio adapter (``_ner``, ``_address``,
``_presidio``) load on first use of their names.
"""

import typing

from detectors._base import Finding
from detectors._keys import KeyNameMatcher, KeyValueDetector, split_key
from detectors._name_words import LOG_WORDS
from detectors._names import NameRules, first_names, surnames
from detectors._names_config import load_name_detectors
from detectors._pattern import (
    ContextRule,
    PatternDetector,
    PatternRule,
    PatternSpec,
    cached_lower,
    context_regex,
    context_test,
)
from detectors._person import PERSON_TRIGGER, PersonNameDetector
from detectors._protocols import BatchDetector, Detector
from detectors._required import required_literals
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
from logward_base.lazy import load_lazy

if typing.TYPE_CHECKING:
    from detectors._address import StreetAddressDetector, street_suffixes
    from detectors._ner import (
        NER_MODEL_ENV,
        SpacyNerDetector,
        load_ner_detector,
        resolve_ner_model,
        title_case_caps,
    )
    from detectors._presidio import PresidioDetector, PresidioSpec, load_presidio_detector

__all__ = [
    "LOG_WORDS",
    "NER_MODEL_ENV",
    "PERSON_TRIGGER",
    "RULE_TYPES",
    "VALIDATORS",
    "BatchDetector",
    "ContextRule",
    "Detector",
    "Finding",
    "KeyNameMatcher",
    "KeyValueDetector",
    "LoadedRules",
    "NameRules",
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
    "StreetAddressDetector",
    "cached_lower",
    "check_fields",
    "compile_regex",
    "context_regex",
    "context_test",
    "enabled_field",
    "first_names",
    "load_name_detectors",
    "load_ner_detector",
    "load_presidio_detector",
    "load_rules",
    "required_literals",
    "resolve_ner_model",
    "score_field",
    "split_key",
    "street_suffixes",
    "strings_field",
    "surnames",
    "title_case_caps",
]

# name -> private module, loaded on first use (start-up time of ``logward scrub``)
_LAZY = {
    "NER_MODEL_ENV": "_ner",
    "PresidioDetector": "_presidio",
    "PresidioSpec": "_presidio",
    "SpacyNerDetector": "_ner",
    "StreetAddressDetector": "_address",
    "load_ner_detector": "_ner",
    "load_presidio_detector": "_presidio",
    "resolve_ner_model": "_ner",
    "street_suffixes": "_address",
    "title_case_caps": "_ner",
}


def __getattr__(name: str) -> typing.Any:
    return load_lazy(__name__, _LAZY, name)
