"""The parser stage's shared parts: options, counters and the ``Parser`` base class.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote, unquote_plus

from logward.errors import ConfigError
from monitor._event import ECS_FIELDS, AccessEvent
from monitor.parsers._paths import normalise_login_path

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

DEFAULT_LOGIN_PATHS: tuple[str, ...] = (
    "/login",
    "/signin",
    "/admin/login",
    "/api/login",
    "/api/auth",
    "/api/auth/login",
    "/auth/login",
    "/user/login",
    "/users/sign_in",
    "/wp-login.php",
    "/oauth/token",
)
DEFAULT_FAILURE_STATUSES: frozenset[int] = frozenset({401, 403})
SCRUB_FAILED = "[scrub-failed]"

_SCRUB_CACHE_MAX = 4096
# What the event's consumers can hold: ``iso_time`` formats years 1-9999 and
# SQLite INTEGER columns hold signed 64-bit values. Counts are summed (rates,
# alert counts) before they are stored, so one event may weigh at most 2**31 - 1.
_MIN_TS = -62135596800.0
_MAX_TS = 253402300799.0
_MAX_INT = 2**63 - 1
_MAX_COUNT = 2**31 - 1
_YEAR_RULES = ("reference", "mtime")


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


def _normalise_path(path: str) -> str:
    return normalise_login_path(path)


@dataclass(frozen=True, slots=True)
class ParserOptions:
    """Options every parser accepts (each parser uses the ones it needs).

    Attributes:
        year_rule: how year-less syslog timestamps get a year. ``"reference"``
            (default): the year of ``reference_time``; ``"mtime"``: the year of
            the file's modification time; an ``int``: that fixed year. With
            ``"reference"`` and ``"mtime"``, a time more than one day after
            the reference falls back to the previous year.
        reference_time: epoch seconds used by ``year_rule="reference"``
            (default: the time the parser was built).
        tz: IANA zone name for timestamps written without an offset
            (default: UTC).
        login_paths: URL paths that are login endpoints (exact match after
            dropping a trailing ``/``; an entry ending in ``*`` is a prefix).
        failure_statuses: HTTP statuses that mean a failed login at a login
            path (default 401 and 403).
        field_map: for the ``json`` format, input field (dotted path) ->
            ECS field name.
        scrub: ``Callable[[str], str]`` applied to free text before it is kept.
        mode: which failure forms the parser reports, as fail2ban's filter
            ``mode`` (see each parser's ``modes``; default: its widest mode).
    """

    year_rule: int | str = "reference"
    reference_time: float | None = None
    tz: str | None = None
    login_paths: tuple[str, ...] = DEFAULT_LOGIN_PATHS
    failure_statuses: frozenset[int] = DEFAULT_FAILURE_STATUSES
    field_map: tuple[tuple[str, str], ...] = ()
    scrub: Callable[[str], str] | None = None
    mode: str | None = None
    login_exact: frozenset[str] = field(default=frozenset(), repr=False)
    login_prefixes: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def from_kwargs(cls, options: Mapping[str, Any]) -> ParserOptions:
        """Validate keyword options once.

        Raises:
            ConfigError: an option is unknown or has the wrong type or value.
        """
        known = {"year_rule", "reference_time", "tz", "login_paths", "failure_statuses"}
        known |= {"field_map", "scrub", "mode"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"unknown parser option(s): {', '.join(unknown)}")
        year_rule = options.get("year_rule")
        if year_rule is None:
            year_rule = "reference"
        if isinstance(year_rule, bool) or not isinstance(year_rule, int | str):
            raise ConfigError("parser option year_rule: expected 'reference', 'mtime' or a year")
        if isinstance(year_rule, str) and year_rule not in _YEAR_RULES:
            raise ConfigError("parser option year_rule: expected 'reference', 'mtime' or a year")
        if isinstance(year_rule, int) and not 1970 <= year_rule <= 9999:
            raise ConfigError("parser option year_rule: year out of range 1970-9999")
        reference = options.get("reference_time")
        if reference is not None and not isinstance(reference, int | float):
            raise ConfigError("parser option reference_time: expected epoch seconds")
        tz = options.get("tz")
        if tz is not None:
            _check_tz(tz)
        paths = _login_paths(options.get("login_paths"))
        statuses = _statuses(options.get("failure_statuses"))
        field_map = _field_map(options.get("field_map"))
        scrub = options.get("scrub")
        if scrub is not None and not callable(scrub):
            raise ConfigError("parser option scrub: expected a callable str -> str")
        mode = options.get("mode")
        if mode is not None and not isinstance(mode, str):
            raise ConfigError("parser option mode: expected a mode name")
        exact = frozenset(_normalise_path(p) for p in paths if not p.endswith("*"))
        prefixes = tuple(normalise_login_path(p[:-1]).rstrip("/") for p in paths if p.endswith("*"))
        return cls(
            year_rule=year_rule,
            reference_time=float(reference) if reference is not None else None,
            tz=tz,
            login_paths=paths,
            failure_statuses=statuses,
            field_map=field_map,
            scrub=scrub,
            mode=mode,
            login_exact=exact,
            login_prefixes=prefixes,
        )

    def is_login_path(self, path: str) -> bool:
        """Return whether ``path`` (without query) is a configured login endpoint.

        The path is normalised first (:func:`normalise_login_path`), so
        ``/%6cogin``, ``//login``, ``/LOGIN``, ``/./login``, ``/login;x`` and
        ``http://shop/login`` all name ``/login``.
        """
        if path in self.login_exact:
            return True
        norm = normalise_login_path(path)
        if norm in self.login_exact:
            return True
        return bool(self.login_prefixes) and norm.startswith(self.login_prefixes)


def _check_tz(tz: object) -> None:
    from zoneinfo import ZoneInfo

    if not isinstance(tz, str):
        raise ConfigError("parser option tz: expected an IANA zone name")
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError) as exc:
        raise ConfigError(f"parser option tz: unknown time zone {tz!r}") from exc


def _login_paths(value: object) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_LOGIN_PATHS
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError("parser option login_paths: expected a list of paths")
    paths = tuple(value)
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ConfigError("parser option login_paths: every path must start with '/'")
    return paths


def _statuses(value: object) -> frozenset[int]:
    if value is None:
        return DEFAULT_FAILURE_STATUSES
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError("parser option failure_statuses: expected a list of HTTP statuses")
    statuses = frozenset(value)
    for status in statuses:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ConfigError("parser option failure_statuses: statuses must be 100-599")
    return statuses


def _field_map(value: object) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ConfigError("parser option field_map: expected a mapping input field -> ECS field")
    pairs = []
    for source, target in value.items():
        if not isinstance(source, str) or not source:
            raise ConfigError("parser option field_map: input field names must be strings")
        if target not in ECS_FIELDS:
            raise ConfigError(f"parser option field_map: {source!r} maps to unknown ECS field")
        pairs.append((source, str(target)))
    return tuple(pairs)


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
