"""HTTP auth failures in the Apache error log (as fail2ban's ``apache-auth``).

Headers: Apache 2.2 ``[Wed Jul 17 22:18:52 2013] [error] [client 1.2.3.4]``,
Apache 2.4 ``[Sat Jul 20 21:39:11.978080 2013] [auth_basic:error] [pid 1:tid 2]
[client 1.2.3.4:51390] AH01617:`` (IPv6 clients as ``[client [v6]:port]``),
and ``ErrorLog syslog`` (``Feb 15 16:23:00 srv httpd[22034]: [...]``, year by
the syslog rule of :mod:`monitor.parsers._time`). Times are in ``tz``
(default UTC). Messages mapped (all ``failure``):

* ``user X: authentication failure for "/": Password Mismatch``, ``user X not
  found``, ``user X denied by provider``, ``[Digest: ]user X: password
  mismatch``, ``[Digest: ]user `X' in realm `R' not found``, ``PAM: user 'X' -
  not authenticated``, ``client used wrong authentication scheme``, digest
  protocol failures (invalid qop, unknown algorithm, realm mismatch, nonce
  length / time travel) -> ``authentication``/``login``;
* ``user X: authorization failure``, ``Authorization of user X to access P
  failed``, ``access to P failed, reason: user X not allowed access`` ->
  ``web``/``http_authorization``;
* ``client denied by server configuration`` -> ``web``/``http_access_denied``;
* SNI/Host mismatches (``Hostname X provided via SNI, but no hostname provided
  ...``, AH02031-AH02033; scanners) -> ``network``/``tls_sni_mismatch``.

Modes (``mode``, as fail2ban's ``apache-auth``): ``aggressive`` (default) and
``normal``, which ignores mod_evasive's denials (``[evasive20:error]``).

Only the message right after the header is matched, so text that a client
controls (a path) cannot fake an auth failure or a client address.
"""

from __future__ import annotations

import re
from typing import Any

from monitor._event import AccessEvent
from monitor.parsers._base import Parser, Unparseable
from monitor.parsers._fields import first_match, split_host
from monitor.parsers._time import TimeConverter

__all__ = ["ApacheErrorParser"]

_LINE = re.compile(
    r"(?:\[[A-Z][a-z]{2} (?P<mon>[A-Z][a-z]{2}) (?P<day>[ \d]?\d) (?P<clock>\d\d:\d\d:\d\d)"
    r"(?P<frac>\.\d+)? (?P<year>\d{4})\]"
    r"|(?P<bsd>[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d) (?:\S+ )?\S+?(?:\[\d+\])?:)"
    r" \[(?P<mod>[^\]]*)\](?: \[pid [^\]]*\])?"
    r" \[(?:client|remote) (?P<client>\[[^\]]*\](?::\d+)?|[^\]\s]+)\]"
    r"(?: AH\d+:)? (?P<msg>.*)$"
)
_AUTH = "authentication"
_WEB = "web"
_LOGIN = "login"
_AUTHZ = "http_authorization"
_MESSAGES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"client denied by server configuration\b"), _WEB, "http_access_denied"),
    (re.compile(r"client used wrong authentication scheme\b"), _AUTH, _LOGIN),
    (re.compile(r"user (?!`)(?P<user>[^\s:]*|.*?):? authorization failure\b"), _WEB, _AUTHZ),
    (
        re.compile(
            r"user (?!`)(?P<user>[^\s:]*|.*?):? (?:authentication failure|not found|"
            r"denied by provider)\b"
        ),
        _AUTH,
        _LOGIN,
    ),
    (
        re.compile(r"(?:Digest: )?user (?!`)(?P<user>[^\s:]*|.*?):? password mismatch\b"),
        _AUTH,
        _LOGIN,
    ),
    (re.compile(r"Authorization of user (?P<user>\S*|.*?) to access .*? failed\b"), _WEB, _AUTHZ),
    (re.compile(r"(?:Digest: )?user `(?P<user>.*?)' in realm `.*' not found\b"), _AUTH, _LOGIN),
    (re.compile(r"(?:PAM: )?user '(?P<user>.*?)' - not authenticated\b"), _AUTH, _LOGIN),
    (
        re.compile(r"access to \S+ failed, reason: user (?P<user>.*?) not allowed access\b"),
        _WEB,
        _AUTHZ,
    ),
    (
        re.compile(
            r"(?:Digest: )?(?:invalid qop `[^']*' received|unknown algorithm `[^']*' "
            r"received|realm mismatch - got `|invalid nonce \S+ received - "
            r"(?:length is not|user attempted time travel))"
        ),
        _AUTH,
        _LOGIN,
    ),
    (
        re.compile(
            r"(?:No h|H)ostname \S+ provided via SNI(?:, but no hostname provided| and hostname "
            r"\S+ provided| for a name based virtual host)\b"
        ),
        "network",
        "tls_sni_mismatch",
    ),
)


def _client(text: str) -> str:
    if text.startswith("["):
        end = text.find("]")
        return text[1:end] if end > 0 else text[1:]
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text


class ApacheErrorParser(Parser):
    """Parse Apache error-log auth failures (see the module docstring)."""

    format = "apache-error"
    free_text = ("source_domain",)
    modes = ("aggressive", "normal")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        self._time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        if "[client " not in line and "[remote " not in line:
            return None
        m = _LINE.match(line)
        if m is None:
            return None
        if self.mode == "normal" and m.group("mod").startswith("evasive"):
            return None  # mod_evasive's own denials: aggressive mode only (as fail2ban)
        msg = m.group("msg")
        hit = first_match(_MESSAGES, msg)
        if hit is None:
            return None
        found, category, action = hit
        try:
            if m.group("bsd") is not None:
                ts = self._time.bsd(m.group("bsd"), file)
            else:
                day = m.group("day").strip()
                stamp = f"{m.group('mon')} {day} {m.group('clock')} {m.group('year')}"
                ts = self._time.ctime(stamp)
                if m.group("frac"):
                    ts += float("0." + m.group("frac")[1:])
        except (ValueError, KeyError) as exc:
            raise Unparseable from exc
        ip, domain = split_host(_client(m.group("client")))
        if ip is None and domain is None:
            self.stats.suspicious += 1  # not one address: no attribution
        return AccessEvent(
            timestamp=ts,
            category=category,
            action=action,
            outcome="failure",
            user_name=found.groupdict().get("user"),
            source_ip=ip,
            source_domain=domain,
            service_name="apache",
            file=file,
            line=line_no,
        )
