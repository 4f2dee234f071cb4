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
* ``limiting requests`` -> ``web``/``http_rate_limited``/``failure``;
* ``SSL_do_handshake() failed`` / ``SSL_read() failed`` (TLS scanners, fail2ban's
  ``fallback`` mode) -> ``network``/``tls_handshake``/``failure``.

Modes (``mode``, as fail2ban's ``nginx-http-auth``): ``aggressive`` (default,
everything above), ``normal``/``auth`` (all but the TLS failures), ``fallback``
(the TLS failures only). Headers: nginx's own, or behind syslog/journal
prefixes (``host nginx[1]: host nginx: 2025/09/07 ...``).

Other messages are not events. The request's path and query are scrubbed.
The client address is nginx's own ``, client: ..., server:`` part: the first
one after the header (see :meth:`NginxErrorParser._client`), so that neither a
request line, a Host nor a Referer can smuggle in a fake address.
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
_CLIENT = re.compile(r", client: (?P<client>[^,\s]+)(?:, server: [^,\s\"]*)?(?P<tail>.*)$")
_REQUEST = re.compile(r', request: "(?P<request>[^"\\]*(?:\\.[^"\\]*)*)"')
_AUTH = "authentication"
_WEB = "web"
_NET = "network"
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
# fail2ban's ``fallback`` mode: TLS scanners failing the handshake.
_TLS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(
            r"SSL_(?:do_handshake|read)\(\) failed \(SSL: error:\S+(?: \S+){1,3}[^)]*\)[^,]*\Z"
        ),
        _NET,
        "tls_handshake",
    ),
)
_MODE_MESSAGES = {
    "aggressive": _MESSAGES + _TLS,
    "normal": _MESSAGES,
    "auth": _MESSAGES,
    "fallback": _TLS,
}
# Where the nginx header starts: at the line start, or after one or more
# syslog/journal prefixes ("host nginx[1]: host nginx: 2025/09/07 ...").
_START = re.compile(r"(?:^|: )(?=\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[)")


class NginxErrorParser(Parser):
    """Parse nginx error-log auth failures (see the module docstring)."""

    format = "nginx-error"
    free_text = ("source_domain", "url_path", "url_query")
    modes = ("aggressive", "normal", "auth", "fallback")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        self._time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)
        self._messages = _MODE_MESSAGES[self.mode]

    def _client(self, line: str, start: int) -> re.Match[str] | None:
        """Find nginx's own ``, client: A, server: S`` part: the FIRST one.

        Before it nginx writes only its own message, whose one client-written
        part is a basic-auth user name - and that cannot hold a ``:`` (the
        credentials are split at the first colon), so it cannot hold a forged
        ``, client: ``. After it come the request line, Host and Referer,
        which a client writes freely: a later ``, client: `` is forged. A
        line with several candidates is counted as suspicious.
        """
        cut = line.find(", client: ", start)
        while cut >= 0:
            m = _CLIENT.match(line, cut)
            if m is not None:
                if line.find(", client: ", m.end("client")) >= 0:
                    self.stats.suspicious += 1  # attributed to this one all the same
                return m
            cut = line.find(", client: ", cut + 1)
        return None

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        if ", client: " not in line:
            return None
        if line[:1].isdigit():
            start = 0
        else:
            found = _START.search(line, 0, 512)
            if found is None:
                return None
            start = found.end()
        head = _HEAD.match(line, start)
        if head is None:
            return None
        m = self._client(line, head.end())
        if m is None:
            return None
        cut = m.start()
        msg = line[head.end() : cut]
        hit = first_match(self._messages, msg)
        if hit is None:
            return None
        found, category, action = hit
        try:
            ts = self._time.ymd(head.group("time"))
        except ValueError as exc:
            raise Unparseable from exc
        ip, domain = split_host(m.group("client"))
        if ip is None and domain is None:
            self.stats.suspicious += 1  # not one address: no attribution
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
