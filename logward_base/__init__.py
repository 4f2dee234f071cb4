"""The bottom layer of logward: the error tree, the shipped paths, the duration parser,
the lazy-name loader.

Every other package (``detectors`` -> ``scrubber`` -> ``monitor`` -> ``logward``)
may import this one; it imports none of them (a leaf, as structlog keeps
``exceptions.py``). ``logward.errors`` and ``logward.paths`` re-export it for
applications.
"""

from __future__ import annotations

from logward_base.durations import parse_duration
from logward_base.errors import (
    AuditChainError,
    ConfigError,
    DetectorError,
    KeyMaterialError,
    LogwardError,
    ParseError,
    RevokeError,
    RuleError,
    ScrubError,
    SinkError,
    StoreError,
)
from logward_base.lazy import load_lazy
from logward_base.paths import DEFAULT_DATA_DIR, data_dir, rules_dir

__all__ = [
    "DEFAULT_DATA_DIR",
    "AuditChainError",
    "ConfigError",
    "DetectorError",
    "KeyMaterialError",
    "LogwardError",
    "ParseError",
    "RevokeError",
    "RuleError",
    "ScrubError",
    "SinkError",
    "StoreError",
    "data_dir",
    "load_lazy",
    "parse_duration",
    "rules_dir",
]
