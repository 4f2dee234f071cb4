"""logward: scrub PII from logs before they are persisted, and watch access logs.

The libraries are ``scrubber`` (redaction engine and logging adapters),
``detectors`` (PII detectors) and ``monitor`` (access monitoring). This package
holds what they share (the error tree, paths) and the application layer: the
``logward`` command line, the stream sidecar, the dashboard and the demo.
"""

from logward_base.errors import (
    ConfigError,
    DetectorError,
    LogwardError,
    RuleError,
    ScrubError,
)

__all__ = [
    "ConfigError",
    "DetectorError",
    "LogwardError",
    "RuleError",
    "ScrubError",
    "__version__",
]

__version__ = "0.1.0"
