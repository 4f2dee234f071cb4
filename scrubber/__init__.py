"""The scrubbing engine (``scrub_text``, ``scrub_mapping``) and its logging adapters."""

from scrubber._api import get_default_scrubber, load_scrubber, scrub_mapping, scrub_text
from scrubber._engine import DEPTH_PLACEHOLDER, FAILED_PLACEHOLDER, RedactionStats, Scrubber
from scrubber._filter import ScrubbingFilter
from scrubber._fold import fold_for_detection
from scrubber._install import ScrubbingHandler, get_logger, install
from scrubber._operators import (
    PSEUDONYM_KEY_ENV,
    DropOperator,
    MaskOperator,
    Operator,
    PseudonymOperator,
    ReplaceOperator,
    load_pseudonym_key,
)
from scrubber._overlap import REMAINDER_ENTITIES, merge_same_entity, resolve_overlaps
from scrubber._policy import ScrubPolicy
from scrubber._seal import SEAL_KEY_ENV, Sealer
from scrubber._secrets import decode_base64_key, read_key_file
from scrubber._structlog import StructlogScrubber, scrub_processor

__all__ = [
    "DEPTH_PLACEHOLDER",
    "FAILED_PLACEHOLDER",
    "PSEUDONYM_KEY_ENV",
    "REMAINDER_ENTITIES",
    "SEAL_KEY_ENV",
    "DropOperator",
    "MaskOperator",
    "Operator",
    "PseudonymOperator",
    "RedactionStats",
    "ReplaceOperator",
    "ScrubPolicy",
    "Scrubber",
    "ScrubbingFilter",
    "ScrubbingHandler",
    "Sealer",
    "StructlogScrubber",
    "decode_base64_key",
    "fold_for_detection",
    "get_default_scrubber",
    "get_logger",
    "install",
    "load_pseudonym_key",
    "load_scrubber",
    "merge_same_entity",
    "read_key_file",
    "resolve_overlaps",
    "scrub_mapping",
    "scrub_processor",
    "scrub_text",
]
