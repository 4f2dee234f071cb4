"""nginx/Apache access logs in the common and combined formats.

``%h %l %u [%t] "%r" %>s %b`` optionally followed by ``"%{Referer}i"
"%{User-Agent}i"`` and any extra trailing fields (request time, upstream
times, ...); an optional leading ``vhost:port`` (Apache ``vhost_combined``).
Clients may be IPv4, IPv6 or host names (an IPv6 client is never taken for a
vhost); ``-`` means unset; quoted fields may hold escapes (``\\"`` from Apache,
``\\x22`` from nginx). The user (``%u``) may hold spaces. A request in
absolute form (``POST http://shop/login``) has its path taken from the URL, and
login paths are compared normalised (see :mod:`monitor.parsers._paths`).

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
# After the client (parsed apart, see _split_vhost): ident, user, time, request...
# The user (basic-auth name, client-written) may hold spaces but never a '"'
# (nginx and Apache escape it), so it ends at the first ' [TIME] "'.
_REST = re.compile(
    r"(?P<client>\S+) \S+ (?P<user>[^\"]*?|\"" + _Q + r"\") "
    r"\[(?P<time>\d{1,2}/[A-Za-z]{3}/\d{4}:[^\]]+)\] "
    r'"(?P<request>' + _Q + r')"'
    r" (?P<status>\d{3}|-) (?P<bytes>\d+|-)"
    r'(?: "(?P<referer>' + _Q + r')" "(?P<agent>' + _Q + r')")?'
)
_VHOST = re.compile(r"[^\s:]+(?::\d+)? |\[[0-9A-Fa-f:.]+\](?::\d+)? ")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
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

    @staticmethod
    def _client_start(line: str) -> int:
        """Where the client field starts: after an Apache ``%v:%p`` vhost, if any.

        The first field is the client when it is one address (IPv6 included,
        which a ``host:port`` pattern would swallow); otherwise a ``host:port``
        (or ``host``) followed by a second address-or-name field is a vhost.
        """
        space = line.find(" ")
        if space <= 0:
            return 0
        first = line[:space]
        if split_host(first)[0] is not None:
            return 0
        vhost = _VHOST.match(line)
        if vhost is None or ":" not in first:
            return 0
        nxt = line.find(" ", space + 1)
        second = line[space + 1 : nxt] if nxt > 0 else ""
        ip, domain = split_host(second)
        return space + 1 if ip is not None or domain is not None else 0

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        m = _REST.match(line, self._client_start(line))
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
            absolute = _ABSOLUTE.match(path)
            if absolute is not None:  # absolute form: "POST http://shop/login"
                path = path[absolute.end() :] or "/"
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
