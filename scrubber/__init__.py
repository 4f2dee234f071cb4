"""The scrubbing engine (``scrub_text``, ``scrub_mapping``) and its logging adapters."""

from scrubber._api import get_default_scrubber, load_scrubber, scrub_mapping, scrub_text
from scrubber._engine import DEPTH_PLACEHOLDER, FAILED_PLACEHOLDER, RedactionStats, Scrubber
from scrubber._filter import ScrubbingFilter
from scrubber._install import ScrubbingHandler, get_logger, install
from scrubber._operators import (
    PSEUDONYM_KEY_ENV,
    DropOperator,
    MaskOperator,
    Operator,
    PseudonymOperator,
    ReplaceOperator,
)
from scrubber._policy import ScrubPolicy
from scrubber._seal import SEAL_KEY_ENV, Sealer
from scrubber._secrets import decode_base64_key, read_key_file
from scrubber._structlog import StructlogScrubber, scrub_processor

__all__ = [
    "DEPTH_PLACEHOLDER",
    "FAILED_PLACEHOLDER",
    "PSEUDONYM_KEY_ENV",
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
    "get_default_scrubber",
    "get_logger",
    "install",
    "load_scrubber",
    "read_key_file",
    "scrub_mapping",
    "scrub_processor",
    "scrub_text",
]
