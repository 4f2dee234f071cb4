"""The parser stage of the monitor: one access-log line -> one ``AccessEvent``.

Formats (``--format``): ``json``, ``combined``, ``sshd``, ``nginx-error``,
``apache-error``. Build a parser with :func:`get_parser` and call
``parser.parse(line, line_no, file)``; it returns an event or ``None`` and
never raises on data. ``parser.stats`` counts lines, events, skipped and
unparseable lines. Free text is passed through the ``scrub`` option.

Example::

    parser = get_parser("sshd", scrub=get_default_scrubber().scrub_text)
    for number, line in enumerate(open(path), 1):
        event = parser.parse(line, number, path)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from logward_base.errors import ConfigError
from monitor._event import AccessEvent
from monitor.parsers._apache_error import ApacheErrorParser
from monitor.parsers._base import (
    DEFAULT_FAILURE_STATUSES,
    DEFAULT_LOGIN_PATHS,
    SCRUB_FAILED,
    Parser,
    ParserOptions,
    ParseStats,
)
from monitor.parsers._combined import CombinedParser
from monitor.parsers._fields import one_address
from monitor.parsers._json import JsonParser
from monitor.parsers._nginx_error import NginxErrorParser
from monitor.parsers._paths import normalise_login_path
from monitor.parsers._sshd import SshdParser

__all__ = [
    "DEFAULT_FAILURE_STATUSES",
    "DEFAULT_LOGIN_PATHS",
    "PARSERS",
    "SCRUB_FAILED",
    "ApacheErrorParser",
    "CombinedParser",
    "JsonParser",
    "NginxErrorParser",
    "ParseStats",
    "Parser",
    "ParserOptions",
    "SshdParser",
    "get_parser",
    "normalise_login_path",
    "one_address",
    "parse_lines",
]

PARSERS: dict[str, type[Parser]] = {
    ApacheErrorParser.format: ApacheErrorParser,
    CombinedParser.format: CombinedParser,
    JsonParser.format: JsonParser,
    NginxErrorParser.format: NginxErrorParser,
    SshdParser.format: SshdParser,
}


def get_parser(format: str, **options: Any) -> Parser:
    """Build the parser for ``format``.

    Args:
        format: one of :data:`PARSERS`.
        **options: see :class:`ParserOptions` (``year_rule``, ``reference_time``,
            ``tz``, ``login_paths``, ``failure_statuses``, ``field_map``, ``scrub``).

    Returns:
        A new parser with its own counters.

    Raises:
        ConfigError: the format is unknown or an option is invalid.
    """
    cls = PARSERS.get(format)
    if cls is None:
        known = ", ".join(sorted(PARSERS))
        raise ConfigError(f"unknown log format {format!r} (known: {known})")
    return cls(**options)


def parse_lines(
    format: str,
    lines: Iterable[str],
    *,
    file: str | None = None,
    **options: Any,
) -> Iterator[AccessEvent | None]:
    """Parse ``lines`` (numbered from 1), yielding one event or ``None`` per line.

    Raises:
        ConfigError: the format is unknown or an option is invalid.
    """
    parser = get_parser(format, **options)
    for number, line in enumerate(lines, 1):
        yield parser.parse(line, number, file)
