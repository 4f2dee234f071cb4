"""The sidecar's own structured logs, passed through its own scrubber.

One JSON object per line on stderr (ECS-like keys). The message, its
arguments and any traceback are rendered first and then scrubbed, so a
value that reached a log call by mistake is still redacted.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TextIO

from scrubber import FAILED_PLACEHOLDER, Scrubber

__all__ = ["ScrubbingJsonFormatter", "setup_logging"]


class ScrubbingJsonFormatter(logging.Formatter):
    """Format records as one scrubbed JSON line each."""

    converter = staticmethod(time.gmtime)

    def __init__(self, scrubber: Scrubber) -> None:
        super().__init__()
        self.scrubber = scrubber

    def _clean(self, text: str) -> str:
        try:
            return self.scrubber.scrub_text(text)
        except Exception:
            return FAILED_PLACEHOLDER

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON with every free-text part scrubbed."""
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        doc: dict[str, object] = {
            "@timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
            + f".{int(record.msecs):03d}Z",
            "log.level": record.levelname.lower(),
            "log.logger": record.name,
            "message": self._clean(message),
        }
        if record.exc_info:
            doc["error.stack_trace"] = self._clean(self.formatException(record.exc_info))
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(scrubber: Scrubber, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send the ``logward`` and ``kafka`` loggers through the scrubbing formatter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(ScrubbingJsonFormatter(scrubber))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("logward").setLevel(level.upper())
