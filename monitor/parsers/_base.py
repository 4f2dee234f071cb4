"""The parser stage's shared parts: counters, free-text scrubbing and the ``Parser`` base class.

A parser turns one raw log line into one :class:`~monitor.AccessEvent`, or
``None`` when the line is not an event (another program's line, a line the
format does not cover, or a recognised line that carries no access decision).
Parsers never raise on data: a line that looks like the format but cannot be
read is counted as *unparseable* and skipped.

Every free-text field of an event (URL path and query, user agent, action,
category, method, host, service, user id, source domain) goes through the
optional ``scrub`` callable before the event leaves the parser; percent- and
``+``-encoded text is also decoded and scrubbed, and where the decoded form
held PII the decoded, redacted form is kept. Account names and source
addresses are evidence and are kept as written. If ``scrub`` fails the text is replaced by
:data:`SCRUB_FAILED`: nothing unscrubbed is ever kept (fail closed).
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import unquote, unquote_plus

from logward_base.errors import ConfigError
from monitor._event import AccessEvent
from monitor.parsers._options import DEFAULT_FAILURE_STATUSES, DEFAULT_LOGIN_PATHS, ParserOptions

__all__ = [
    "DEFAULT_FAILURE_STATUSES",
    "DEFAULT_LOGIN_PATHS",
    "FREE_TEXT",
    "SCRUB_FAILED",
    "ParseStats",
    "Parser",
    "ParserOptions",
    "Unparseable",
]

logger = logging.getLogger(__name__)

SCRUB_FAILED = "[scrub-failed]"

_SCRUB_CACHE_MAX = 4096
# What the event's consumers can hold: ``iso_time`` formats years 1-9999 and
# SQLite INTEGER columns hold signed 64-bit values. Counts are summed (rates,
# alert counts) before they are stored, so one event may weigh at most 2**31 - 1.
_MIN_TS = -62135596800.0
_MAX_TS = 253402300799.0
_MAX_INT = 2**63 - 1
_MAX_COUNT = 2**31 - 1


# Free-text fields of an event, scrubbed before it is kept (issue 9): all but the
# evidence (user.name, source.ip), the validated outcome and our own file path.
FREE_TEXT: tuple[str, ...] = (
    "category",
    "action",
    "user_id",
    "source_domain",
    "user_agent",
    "http_method",
    "url_path",
    "url_query",
    "service_name",
    "host_name",
)


# A user name (client-written) that carries an address or a forged log tail.
_FORGED_USER = re.compile(
    r" from | port \d|client: |server: |rhost=|\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*::?[0-9a-fA-F]*:"
)


def _decoded(text: str) -> str | None:
    """Percent- and ``+``-decode ``text`` (twice, for ``%2540``), or ``None`` if unchanged."""
    if "%" not in text and "+" not in text:
        return None
    decoded = unquote_plus(text, errors="replace")
    if "%" in decoded:
        decoded = unquote(decoded, errors="replace")
    return decoded if decoded != text else None


class Unparseable(Exception):
    """Raised inside a parser when a line looks like its format but cannot be read."""


@dataclass(slots=True)
class ParseStats:
    """Counters of one parser (mutable on purpose: they are updated per line).

    Attributes:
        format: the parser's format name.
        lines: lines seen.
        parsed: lines that produced an event.
        skipped: lines that are not events of this format (other programs,
            irrelevant messages).
        unparseable: lines that looked like this format but could not be read.
        scrub_failures: free-text fields replaced because the scrubber failed.
        suspicious: lines whose client-written fields carry a forged-looking
            address or verdict (the event is still attributed from the part
            the client cannot write), or that could not be attributed safely
            (no event; counted here, never dropped silently).
    """

    format: str
    lines: int = 0
    parsed: int = 0
    skipped: int = 0
    unparseable: int = 0
    scrub_failures: int = 0
    suspicious: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the counters as a plain dict (for JSON output and metrics)."""
        return {
            "format": self.format,
            "lines": self.lines,
            "parsed": self.parsed,
            "skipped": self.skipped,
            "unparseable": self.unparseable,
            "scrub_failures": self.scrub_failures,
            "suspicious": self.suspicious,
        }


def _storable(event: AccessEvent) -> bool:
    """Whether the event's numbers can be formatted and stored (NaN fails every test)."""
    status = event.status_code
    return (
        _MIN_TS <= event.timestamp <= _MAX_TS
        and 0 <= event.count <= _MAX_COUNT
        and (status is None or -_MAX_INT <= status <= _MAX_INT)
    )


class Parser(ABC):
    """Base of every parser: counts lines, never raises on data, scrubs free text.

    Subclasses set ``format`` and implement :meth:`_parse`.
    """

    format: ClassVar[str]
    # Event attributes holding text a client or a log writer chose (scrubbed);
    # parsers that set some of them from constants leave those out.
    free_text: ClassVar[tuple[str, ...]] = FREE_TEXT
    # fail2ban-style modes this parser knows, the widest (default) first.
    modes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **options: Any) -> None:
        """Build a parser.

        Args:
            **options: see :class:`ParserOptions`.

        Raises:
            ConfigError: an option is invalid.
        """
        self.options = ParserOptions.from_kwargs(options)
        mode = self.options.mode
        if mode is not None and mode not in self.modes:
            known = ", ".join(self.modes) or "none"
            raise ConfigError(f"parser option mode: {mode!r} unknown for {self.format} ({known})")
        self.mode = mode or (self.modes[0] if self.modes else "")
        self.stats = ParseStats(self.format)
        self._scrub_cache: dict[str, str] = {}

    def parse(self, line: str, line_no: int = 0, file: str | None = None) -> AccessEvent | None:
        """Parse one line.

        Args:
            line: the raw line (a trailing newline is ignored).
            line_no: its 1-based line number (or record offset).
            file: the file it came from, if any.

        Returns:
            The event, or ``None`` if the line is not an event (counted in
            ``stats.skipped`` or ``stats.unparseable``). Never raises on data.
        """
        stats = self.stats
        stats.lines += 1
        try:
            event = self._parse(line.rstrip("\r\n"), line_no, file)
        except Unparseable:
            stats.unparseable += 1
            return None
        except Exception:  # never fatal on data; the message never quotes the line
            stats.unparseable += 1
            logger.debug("%s parser failed on line %s of %s", self.format, line_no, file)
            return None
        if event is None:
            stats.skipped += 1
            return None
        if not _storable(event):
            stats.unparseable += 1
            return None
        stats.parsed += 1
        user = event.user_name
        if user and _FORGED_USER.search(user):
            stats.suspicious += 1  # attributed from the anchored address all the same
        if self.options.scrub is not None:
            event = self._scrub_event(event)
        return event

    def _scrub_event(self, event: AccessEvent) -> AccessEvent:
        """Scrub every free-text field; only the evidence (user.name, source.ip) stays."""
        changes: dict[str, Any] = {}
        for attr in self.free_text:
            value = getattr(event, attr)
            if value:
                scrubbed = self._scrub_path(value) if attr == "url_path" else self._scrub(value)
                if scrubbed != value:
                    changes[attr] = scrubbed
        return event._replace(**changes) if changes else event

    @abstractmethod
    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        """Parse one line without its newline; raise :class:`Unparseable` if malformed."""

    def _scrub_path(self, path: str) -> str | None:
        """Scrub a URL path segment by segment (a value is often a whole segment)."""
        if "/" not in path[1:]:
            return self._scrub(path)
        parts = [self._scrub(segment) or "" for segment in path.split("/")]
        return SCRUB_FAILED if SCRUB_FAILED in parts else "/".join(parts)

    def _scrub(self, text: str | None) -> str | None:
        """Return ``text`` scrubbed by the configured scrubber (cached), failing closed."""
        scrub = self.options.scrub
        if scrub is None or not text:
            return text
        cached = self._scrub_cache.get(text)
        if cached is not None:
            return cached
        try:
            result = scrub(text)
            if not isinstance(result, str):
                raise TypeError("scrubber returned a non-string")
            decoded = _decoded(text)
            if decoded is not None:
                found = scrub(decoded)
                if not isinstance(found, str):
                    raise TypeError("scrubber returned a non-string")
                if found != decoded:  # PII hidden by the encoding: keep the decoded, redacted form
                    result = found
        except Exception:  # fail closed: the text is never kept unscrubbed
            self.stats.scrub_failures += 1
            logger.warning("%s parser: scrubber failed; free text replaced", self.format)
            return SCRUB_FAILED
        if len(self._scrub_cache) >= _SCRUB_CACHE_MAX:
            self._scrub_cache.clear()
        self._scrub_cache[text] = result
        return result
