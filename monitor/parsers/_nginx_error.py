"""HTTP basic-auth failures in the nginx error log (as fail2ban's ``nginx-http-auth``).

Lines look like ``2012/04/09 11:53:29 [error] 2865#0: *66647 MESSAGE, client:
ADDR, server: NAME, request: "GET / HTTP/1.1", host: "..."`` (optionally behind
a syslog header ``... nginx[pid]: ``). The time has no offset: it is in
``tz`` (default UTC). Messages mapped:

* ``user "X" was not found in "FILE"``, ``user "X": password mismatch``,
  ``[PAM: ]user 'X' - not authenticated: ...``, ``client used invalid
  token`` -> ``authentication``/``login``/``failure`` with ``user.name`` X;
* ``no user/password was provided for basic authentication`` (the first 401
  of every browser login) -> ``web``/``http_basic_auth``/``failure``;
* ``access forbidden by rule`` -> ``web``/``http_access_denied``/``failure``;
* ``limiting requests`` -> ``web``/``http_rate_limited``/``failure``.

Other messages are not events. The request's path and query are scrubbed.
The client address is nginx's own ``, client: ..., server:`` part, found from
the end of the line so that neither a user name nor a request line can smuggle
in a fake address.
"""

from __future__ import annotations

import re
from typing import Any

from monitor._event import AccessEvent
from monitor.parsers._base import Parser, Unparseable
from monitor.parsers._fields import first_match, split_host, split_target
from monitor.parsers._time import TimeConverter

__all__ = ["NginxErrorParser"]

_HEAD = re.compile(
    r"(?P<time>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>\w+)\] \d+#\d+: (?:\*\d+ )?"
)
_CLIENT = re.compile(r", client: (?P<client>[^,\s]+), server: [^,\s\"]*(?P<tail>.*)$")
# nginx's own tail after the server name: only `, key: "quoted"` pairs.
_STRICT_TAIL = re.compile(r'(?:, [a-z_]+: "[^"\\]*(?:\\.[^"\\]*)*")*\s*\Z')
_REQUEST = re.compile(r', request: "(?P<request>[^"\\]*(?:\\.[^"\\]*)*)"')
_AUTH = "authentication"
_WEB = "web"
_MESSAGES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r'user "(?P<user>.*)":? password mismatch\Z'), _AUTH, "login"),
    (re.compile(r'user "(?P<user>.*)" was not found in "[^"]*"\Z'), _AUTH, "login"),
    (re.compile(r"(?:PAM: )?user '(?P<user>.*)' - not authenticated: "), _AUTH, "login"),
    (re.compile(r"client used invalid token\b"), _AUTH, "login"),
    (
        re.compile(r"no user/password was provided for basic authentication\Z"),
        _WEB,
        "http_basic_auth",
    ),
    (re.compile(r"access forbidden by rule\Z"), _WEB, "http_access_denied"),
    (re.compile(r"(?:limiting|delaying) (?:request|connection)s?\b"), _WEB, "http_rate_limited"),
)


class NginxErrorParser(Parser):
    """Parse nginx error-log auth failures (see the module docstring)."""

    format = "nginx-error"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        self._time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)

    @staticmethod
    def _client(line: str, start: int) -> re.Match[str] | None:
        """Find nginx's own ``, client: A, server: S`` part.

        From the end, the first candidate followed only by nginx's quoted
        ``, key: "..."`` pairs wins, so neither a user name (before it) nor a
        request line (after it) can smuggle in a fake address; if none is
        strict, the last candidate is used.
        """
        loose = None
        cut = line.rfind(", client: ")
        while cut >= start:
            m = _CLIENT.match(line, cut)
            if m is not None:
                if _STRICT_TAIL.match(m.group("tail")):
                    return m
                loose = loose or m
            cut = line.rfind(", client: ", start, cut)
        return loose

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        if ", client: " not in line:
            return None
        start = 0 if line[:1].isdigit() else line.find(": ") + 2
        if start == 1:
            return None
        head = _HEAD.match(line, start)
        if head is None:
            return None
        m = self._client(line, head.end())
        if m is None:
            return None
        cut = m.start()
        msg = line[head.end() : cut]
        hit = first_match(_MESSAGES, msg)
        if hit is None:
            return None
        found, category, action = hit
        try:
            ts = self._time.ymd(head.group("time"))
        except ValueError as exc:
            raise Unparseable from exc
        ip, domain = split_host(m.group("client"))
        user = found.groupdict().get("user")
        method = path = query = None
        request = _REQUEST.match(m.group("tail"))
        if request is not None:
            parts = request.group("request").split(" ")
            if len(parts) >= 2:
                method = parts[0]
                path, query = split_target(parts[1])
        return AccessEvent(
            timestamp=ts,
            category=category,
            action=action,
            outcome="failure",
            user_name=user,
            source_ip=ip,
            source_domain=domain,
            http_method=method,
            url_path=path,
            url_query=query,
            status_code=401 if action in ("login", "http_basic_auth") else None,
            service_name="nginx",
            file=file,
            line=line_no,
        )
