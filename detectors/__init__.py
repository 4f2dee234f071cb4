"""PII detectors: a fast pattern tier with validators, and an optional NER tier.

Importing this package loads no model and reads no file.
"""

from detectors._base import BatchDetector, Detector, Finding
from detectors._keys import KeyNameMatcher, KeyValueDetector, split_key
from detectors._ner import SpacyNerDetector, load_ner_detector
from detectors._pattern import ContextRule, PatternDetector, PatternRule, PatternSpec
from detectors._presidio import PresidioDetector, PresidioSpec, load_presidio_detector
from detectors._scan_group import ScanGroupDetector
from detectors._validators import VALIDATORS

__all__ = [
    "VALIDATORS",
    "BatchDetector",
    "ContextRule",
    "Detector",
    "Finding",
    "KeyNameMatcher",
    "KeyValueDetector",
    "PatternDetector",
    "PatternRule",
    "PatternSpec",
    "PresidioDetector",
    "PresidioSpec",
    "ScanGroupDetector",
    "SpacyNerDetector",
    "load_ner_detector",
    "load_presidio_detector",
    "split_key",
]
