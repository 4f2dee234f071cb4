"""logward's error tree, for applications: re-exported from :mod:`logward_base.errors`."""

from __future__ import annotations

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

__all__ = [
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
]
