"""nginx/Apache access logs in the common and combined formats.

``%h %l %u [%t] "%r" %>s %b`` optionally followed by ``"%{Referer}i"
"%{User-Agent}i"`` and any extra trailing fields (request time, upstream
times, ...); an optional leading ``vhost:port`` (Apache ``vhost_combined``).
Clients may be IPv4, IPv6 or host names; ``-`` means unset; quoted fields may
hold escapes (``\\"`` from Apache, ``\\x22`` from nginx).

Every request is a ``web``/``http_request`` event (all requests count for
rates), with ECS outcome ``failure`` from status 400 (so 401/403 anywhere are
failures: unauthorised access). A request to a configured login path answered
with a configured failure status (401/403) is an ``authentication``/``login``
``failure``; a 2xx/3xx answer there is a ``success`` if it answers a form post
(not GET/HEAD) or carries an authenticated user (``%u``, which becomes
``user.name``). The query string, URL path and user agent are scrubbed before
they are kept; the referrer is dropped.
"""

from __future__ import annotations

import re
from typing import Any

from monitor._event import AccessEvent
from monitor.parsers._base import Parser, Unparseable
from monitor.parsers._fields import classify_http, split_host, split_target
from monitor.parsers._time import TimeConverter

__all__ = ["CombinedParser"]

_Q = r'[^"\\]*(?:\\.[^"\\]*)*'  # a quoted field's body, escapes allowed (unrolled loop)
_LINE = re.compile(
    r"(?:\S+:\d+ )?(?P<client>\S+) \S+ (?P<user>\S+|\"" + _Q + r"\") "
    r"\[(?P<time>[^\]]+)\] "
    r'"(?P<request>' + _Q + r')"'
    r" (?P<status>\d{3}|-) (?P<bytes>\d+|-)"
    r'(?: "(?P<referer>' + _Q + r')" "(?P<agent>' + _Q + r')")?'
)
_METHOD = re.compile(r"[A-Z][A-Z_-]{0,19}\Z")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return text.replace('\\"', '"').replace("\\x22", '"').replace("\\\\", "\\")


class CombinedParser(Parser):
    """Parse common/combined access-log lines (see the module docstring)."""

    format = "combined"
    free_text = ("source_domain", "user_agent", "url_path", "url_query")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        self._time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        m = _LINE.match(line)
        if m is None:
            if not line.strip() or line.startswith("#"):
                return None
            raise Unparseable
        client, user, stamp, request, status_text, agent = m.group(
            "client", "user", "time", "request", "status", "agent"
        )
        try:
            ts = self._time.clf(stamp)
        except (ValueError, KeyError) as exc:
            raise Unparseable from exc
        ip, domain = split_host(client)
        if user == "-" or user == '"-"' or not user:
            user = None
        elif user[0] == '"':
            user = _unescape(user[1:-1])
        status = int(status_text) if status_text != "-" else None
        method = path = query = None
        parts = _unescape(request).split(" ")
        if len(parts) >= 2 and _METHOD.match(parts[0]):
            method = parts[0]
            target = parts[1] if len(parts) <= 3 else " ".join(parts[1:-1])
            path, query = split_target(target)
        category, action, outcome = classify_http(self.options, method, path, status, user)
        if agent is not None:
            agent = None if agent in ("-", "") else _unescape(agent)
        return AccessEvent(
            timestamp=ts,
            category=category,
            action=action,
            outcome=outcome,
            user_name=user,
            source_ip=ip,
            source_domain=domain,
            user_agent=agent,
            http_method=method,
            url_path=path,
            url_query=query,
            status_code=status,
            file=file,
            line=line_no,
        )
