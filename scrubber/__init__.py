"""The scrubbing engine (``scrub_text``, ``scrub_mapping``) and its logging adapters.

The logging and structlog adapters and the sealer (``cryptography``) load on
first use of their names, so ``logward scrub`` does not import them.
"""

import typing

from logward_base.lazy import load_lazy
from scrubber._api import get_default_scrubber, load_scrubber, scrub_mapping, scrub_text
from scrubber._engine import DEPTH_PLACEHOLDER, FAILED_PLACEHOLDER, RedactionStats, Scrubber
from scrubber._fold import fold_for_detection
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
from scrubber._secrets import decode_base64_key, read_key_file

if typing.TYPE_CHECKING:
    from scrubber._filter import ScrubbingFilter
    from scrubber._install import ScrubbingHandler, get_logger, install
    from scrubber._seal import SEAL_KEY_ENV, Sealer
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

# name -> private module, loaded on first use (start-up time of ``logward scrub``)
_LAZY = {
    "SEAL_KEY_ENV": "_seal",
    "ScrubbingFilter": "_filter",
    "ScrubbingHandler": "_install",
    "Sealer": "_seal",
    "StructlogScrubber": "_structlog",
    "get_logger": "_install",
    "install": "_install",
    "scrub_processor": "_structlog",
}


def __getattr__(name: str) -> typing.Any:
    return load_lazy(__name__, _LAZY, name)
