"""OpenSSH authentication lines from syslog files and the journal.

Headers understood (``sshd``, ``sshd-session`` and ``sshd-auth`` programs):

* RFC 3164 ``Jan  5 01:31:41 host sshd[123]: ...`` (host optional, ``[sshd]``
  forms, journalctl ``short``/``short-precise`` with a fraction);
* ISO 8601 ``2024-01-02T03:04:05.123456+00:00 host sshd[123]: ...``
  (rsyslog high precision, journalctl ``short-iso``/``short-iso-precise``);
* RFC 5424 ``<38>1 2019-07-08T17:40:16.95-04:00 host sshd 57915 - - ...``;
* no time at all (``host sshd[123]: ...`` as fail2ban's journal backend
  shows it): the previous line's time, else the reference time.

Year-less RFC 3164 times get a year by the rule in :mod:`monitor.parsers._time`
(``year_rule``: reference time by default, file mtime, or a fixed year; a time
more than one day ahead of the reference means the previous year). Times
without an offset are UTC unless ``tz`` is given.

Messages are those fail2ban's ``filter.d/sshd.conf`` recognises in all modes
(normal, ddos, extra, aggressive), plus successes. Each becomes one event:

* ``authentication``/``ssh_login``: one authentication verdict (``Failed ...``,
  ``Invalid user``, ``Authentication failure for``, ``User not known ...``,
  ``ROOT LOGIN REFUSED``, ``User ... not allowed because ...``, ``Received
  disconnect ...: 3: ...: Auth fail``) -> ``failure``; ``Accepted ...`` ->
  ``success``. ``Failed publickey`` for an existing user is ``unknown``: clients
  offer several keys in turn, so one rejected key is not an attack (as fail2ban).
* ``authentication``/``pam_authentication``: PAM's ``authentication failure;
  ... rhost= user=`` lines (``PAM N more authentication failures`` has
  ``count=N``). On PAM systems each bad password also yields a ``Failed
  password`` line, so rules counting attempts should count ``ssh_login``.
* ``authentication``/``ssh_disconnect``: a connection ended after failing
  authentication (``maximum authentication attempts exceeded``, ``Too many
  authentication failures``, closed/reset/disconnected by an invalid or
  authenticating user before authentication) -> ``failure``.
* ``network``/``ssh_preauth``: probes that never reached authentication (no
  identification string, bad protocol version, failed key exchange,
  closed/reset before authentication) -> ``failure``;
  ``network``/``ssh_connection``: ``Connection from`` (``unknown``);
  ``network``/``ssh_connection_refused``: TCP wrappers' ``refused connect``.

Lines that carry no address (``Disconnecting: Too many authentication
failures``, ``kex_exchange_identification: ...``) take the address and user
last seen for the same ``sshd[pid]``, like fail2ban's multi-line matching.
``::ffff:``-mapped addresses become IPv4; host names go to ``source.domain``.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

from monitor._event import AccessEvent
from monitor.parsers._base import Parser, Unparseable
from monitor.parsers._fields import split_host
from monitor.parsers._time import TimeConverter

__all__ = ["SshdParser"]

_HEADER = re.compile(
    r"(?:<\d{1,3}>)?"
    r"(?:(?P<bsd>[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d)(?P<bfrac>\.\d+)?"
    r"|(?P<ymd>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?P<frac>[.,]\d+)?(?P<off>Z|[+-]\d\d:?\d\d)?"
    r")? ?"
    r"(?:(?P<host>[^\s\[]\S*) )??"
    r"\[?(?:/usr/sbin/)?sshd(?:-session|-auth)?\]?(?:\[(?P<pid>\d+)\])?:? ?"
)
# The common case first: "Mon DD HH:MM:SS host sshd[pid]: " or ISO time, host, sshd[pid].
_FAST = re.compile(
    r"(?:(?P<bsd>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)|(?P<ymd>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)"
    r"(?P<frac>\.\d+)?(?P<off>Z|[+-]\d\d:?\d\d)?)"
    r" (?P<host>[^\s\[]+) sshd(?:-session)?\[(?P<pid>\d+)\]: "
)
_RFC5424 = re.compile(
    r"<\d{1,3}>1 (?P<ts>\S+) (?P<host>\S+) sshd(?:-session|-auth)? (?P<pid>\S+) \S+ "
    r'(?:-|(?:\[[^\]"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^\]"]*)*\])+) ?(?:\ufeff)?'
)
_MSG_PREFIX = re.compile(
    r"(?:\[ID \d+ \S+\] )?(?:kernel: ?\[ *[\d.]+\]:? ?)?(?:(?:error|fatal): )?(?:PAM: )?"
)
_REPEATED = re.compile(r"message repeated (\d+) times: \[ ?(.*?) ?\]\s*$")

_SUFF = r"(?: (?:port \d+|on \S+|\[preauth\]))*\s*$"
_PORTS = r"(?: (?:port \d+|on \S+)){0,3}"
_INV = r"(?:(?:illegal|invalid) user )?"
_TAIL = r"(?: port \d+)?(?: on \S+(?: port \d+)?)?(?: ssh\d*)?(?: \[preauth\])?(?::\s|\s*$)"
_AUTHNG = r"(?: (?:(?P<kind>invalid|authenticating) )?user (?P<user>.*?))?"
_PAM_TAIL = (
    r"(?:\s+(?:logname|e?uid|tty)=\S*)*\s+ruser=(?P<ruser>\S*)\s+rhost=(?P<host>\S*)"
    r"(?:\s+user=(?P<user>\S*))?"
)

# Event kinds: what a matched message means.
_FAILED = "failed"  # Failed <method> for ...
_ACCEPTED = "accepted"
_FAIL = "fail"  # an authentication failure verdict
_ROOT = "root"
_PAM = "pam"
_DISC_FAIL = "disc_fail"
_DISC = "disc"  # closed/reset/disconnected: depends on preauth, user and history
_RECV = "recv"  # Received disconnect: depends on the reason code
_DISCONNECTING = "disconnecting"
_PREAUTH = "preauth"
_CONNECT = "connect"
_REFUSED = "refused"
_REMEMBER = "remember"


def _rules(*pairs: tuple[str, str]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), kind) for pattern, kind in pairs]


_USER_RULES = _rules(
    (
        r"User (?P<user>.+?) (?:from )?(?P<host>\S+) not allowed because (?:not listed in "
        r"AllowUsers|listed in DenyUsers|not in any group|a group is listed in DenyGroups|"
        r"none of user's groups are listed in AllowGroups)" + _SUFF,
        _FAIL,
    ),
    (r"User (?P<user>\S+|.*?) not allowed because account is locked" + _SUFF, _FAIL),
    (
        r"User not known to the underlying authentication module for "
        + _INV
        + r"(?P<user>.*?) (?:from )?(?P<host>\S+)"
        + _SUFF,
        _FAIL,
    ),
)
_INVALID_RULES = _rules(
    (r"[iI](?:nvalid|llegal) user (?P<user>.*?) (?:from )?(?P<host>\S+)" + _SUFF, _FAIL)
)
_AUTHFAIL_RULES = _rules(
    (
        r"[aA]uthentication (?:failure|error|failed) for "
        + _INV
        + r"(?P<user>.*?) (?:from )?(?P<host>\S+)(?: via \S+)?"
        + _SUFF,
        _FAIL,
    )
)
_CLOSE = r"(?P<host>\S+)(?: port \d+)?(?: on \S+ port \d+)?(?P<preauth> \[preauth\])?\s*$"
_PREAUTH_PID = r"(?P<host>)"  # no address in the message: taken from the pid's history

_TABLE: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "Failed": _rules(
        (
            r"Failed (?P<method>\S+) for (?P<inv>invalid user )?(?P<user>.*?) from (?P<host>\S+)"
            + _TAIL,
            _FAILED,
        )
    ),
    "Accepted": _rules(
        (r"Accepted (?P<method>\S+) for (?P<user>.*?) from (?P<host>\S+)" + _TAIL, _ACCEPTED)
    ),
    "Invalid": _INVALID_RULES,
    "invalid": _INVALID_RULES,
    "Illegal": _INVALID_RULES,
    "illegal": _INVALID_RULES,
    "User": _USER_RULES,
    "Authentication": _AUTHFAIL_RULES,
    "authentication": _AUTHFAIL_RULES,
    "ROOT": _rules((r"ROOT LOGIN REFUSED.*? FROM (?P<host>\S+)" + _SUFF, _ROOT)),
    "refused": _rules((r"refused connect from \S+ \((?P<host>[^)\s]+)\)" + _SUFF, _REFUSED)),
    "Received": _rules(
        (
            r"Received disconnect from (?P<host>\S+?)"
            + _PORTS
            + r":\s*(?P<code>\d+): ?(?P<why>.*?)(?P<preauth> \[preauth\])?\s*$",
            _RECV,
        )
    ),
    "PAM": _rules((r"PAM (?P<count>\d+) more authentication failures?;" + _PAM_TAIL, _PAM)),
    "maximum": _rules(
        (
            r"maximum authentication attempts exceeded for "
            + _INV
            + r"(?P<user>.*?) (?:from )?(?P<host>\S+)"
            + _PORTS
            + r"(?: ssh\d*)?"
            + _SUFF,
            _DISC_FAIL,
        )
    ),
    "Disconnecting:": _rules(
        (
            r"Disconnecting: Too many authentication failures(?: for "
            + _INV
            + r"(?P<user>\S+|.*?))?"
            + _SUFF,
            _DISC_FAIL,
        )
    ),
    "Disconnecting": _rules(
        (
            r"Disconnecting(?: from)? (?:(?P<kind>invalid|authenticating) )?user (?P<user>.*?) "
            r"(?P<host>\S+)(?: port \d+)?: (?P<why>.*)$",
            _DISCONNECTING,
        )
    ),
    "Connection": _rules(
        (r"Connection (?:closed|reset) by" + _AUTHNG + " " + _CLOSE, _DISC),
        (
            r"Connection from (?P<host>\S+)(?: port \d+)?(?: on \S+(?: port \d+)?)?"
            r"(?: rdomain \S+)?\s*$",
            _CONNECT,
        ),
    ),
    "Disconnected": _rules((r"Disconnected from" + _AUTHNG + " " + _CLOSE, _DISC)),
    "Did": _rules(
        (r"Did not receive identification string from (?P<host>\S+)" + _PORTS + _SUFF, _PREAUTH)
    ),
    "Timeout": _rules(
        (r"Timeout before authentication for (?:connection from )?(?P<host>\S+)", _PREAUTH)
    ),
    "Bad": _rules(
        (
            r"Bad protocol version identification '.*' (?:from )?(?P<host>\S+)" + _PORTS + _SUFF,
            _PREAUTH,
        )
    ),
    "kex_exchange_identification:": _rules(
        (r"kex_exchange_identification: " + _PREAUTH_PID, _PREAUTH)
    ),
    "banner": _rules(
        (r"banner exchange: Connection from (?P<host>\S+)" + _PORTS + r": ", _PREAUTH)
    ),
    "ssh_dispatch_run_fatal:": _rules(
        (
            r"ssh_dispatch_run_fatal: Connection from (?:(?:invalid|authenticating) user \S+ )?"
            r"(?P<host>\S+)" + _PORTS + r": ",
            _PREAUTH,
        )
    ),
    "Read": _rules((r"Read from socket failed: Connection reset by peer" + _PREAUTH_PID, _PREAUTH)),
    "Unable": _rules(
        (r"Unable to negotiate with (?P<host>\S+)" + _PORTS + r": no matching ", _PREAUTH),
        (r"Unable to negotiate a " + _PREAUTH_PID, _PREAUTH),
    ),
    "no": _rules((r"no matching (?:\S+ ){1,3}found" + _PREAUTH_PID, _PREAUTH)),
    "SSH:": _rules((r"SSH: Server;Ltype: \S+;Remote: (?P<host>\S+?)-\d+;", _REMEMBER)),
}
_PAM_RULE = re.compile(
    r"pam_[a-z]+\(sshd(?:-session|-auth)?:auth\):\s+authentication failure;" + _PAM_TAIL
)

_PID_STATE_MAX = 16384
_AUTH = "authentication"
_NET = "network"


class _PidState:
    __slots__ = ("domain", "failed", "ip", "user")

    def __init__(self) -> None:
        self.ip: str | None = None
        self.domain: str | None = None
        self.user: str | None = None
        self.failed = False


class SshdParser(Parser):
    """Parse OpenSSH authentication lines (see the module docstring for the mapping)."""

    format = "sshd"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        self._time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)
        self._last_ts = opts.reference_time
        self._pids: dict[tuple[str | None, str], _PidState] = {}

    def _timestamp(self, m: re.Match[str], file: str | None) -> float:
        bsd = m.group("bsd")
        try:
            if bsd is not None:
                ts = self._time.bsd(bsd, file)
                frac = m.group("bfrac")
            elif (ymd := m.group("ymd")) is not None:
                ts = self._time.ymd(ymd, m.group("off"))
                frac = m.group("frac")
            else:
                last = self._last_ts
                return last if last is not None else self._time.reference
        except (ValueError, KeyError) as exc:
            raise Unparseable from exc
        if frac:
            ts += float("0." + frac[1:])
        self._last_ts = ts
        return ts

    def _fast_timestamp(self, m: re.Match[str], file: str | None) -> float:
        bsd, ymd, frac = m.group("bsd", "ymd", "frac")
        try:
            if bsd is not None:
                ts = self._time.bsd(bsd, file)
            else:
                ts = self._time.ymd(ymd, m.group("off"))
        except (ValueError, KeyError) as exc:
            raise Unparseable from exc
        if frac:
            ts += float("0." + frac[1:])
        self._last_ts = ts
        return ts

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        if "sshd" not in line:
            return None
        if line.startswith("<") and (m5 := _RFC5424.match(line)) is not None:
            try:
                ts = self._time.iso(m5.group("ts"))
            except ValueError as exc:
                raise Unparseable from exc
            self._last_ts = ts
            host_name: str | None = m5.group("host")
            pid: str | None = m5.group("pid")
            msg = line[m5.end() :]
        else:
            m = _FAST.match(line)
            if m is not None:
                ts = self._fast_timestamp(m, file)
            else:
                m = _HEADER.match(line)
                if m is None:
                    return None
                ts = self._timestamp(m, file)
            host_name = m.group("host")
            pid = m.group("pid")
            msg = line[m.end() :]
        if msg[:1] in ("[", "k", "e", "f", "P"):
            msg = msg[_MSG_PREFIX.match(msg).end() :]  # type: ignore[union-attr]
        count = 1
        if msg.startswith("message repeated"):
            rep = _REPEATED.match(msg)
            if rep is None:
                raise Unparseable
            count = int(rep.group(1))
            msg = rep.group(2)
            if msg[:1] in ("[", "k", "e", "f", "P"):
                msg = msg[_MSG_PREFIX.match(msg).end() :]  # type: ignore[union-attr]
        return self._message(msg, ts, host_name, pid, count, line_no, file)

    def _state(self, host_name: str | None, pid: str | None) -> _PidState | None:
        if pid is None or pid == "-":
            return None
        key = (host_name, pid)
        state = self._pids.get(key)
        if state is None:
            if len(self._pids) >= _PID_STATE_MAX:
                for old in list(islice(self._pids, _PID_STATE_MAX // 4)):
                    del self._pids[old]
            state = self._pids[key] = _PidState()
        return state

    def _message(
        self,
        msg: str,
        ts: float,
        host_name: str | None,
        pid: str | None,
        count: int,
        line_no: int,
        file: str | None,
    ) -> AccessEvent | None:
        if msg.startswith("pam_"):
            match = _PAM_RULE.match(msg)
            kind = _PAM
        else:
            space = msg.find(" ")
            rules = _TABLE.get(msg[:space] if space > 0 else msg)
            if rules is None:
                return None
            for pattern, kind in rules:  # noqa: B007 - kind is used after the loop
                match = pattern.match(msg)
                if match is not None:
                    break
        if match is None:
            return None
        groups = match.groupdict()
        state = self._state(host_name, pid)
        host = groups.get("host")
        ip = domain = None
        if host:
            ip, domain = split_host(host)
        elif state is not None:
            ip, domain = state.ip, state.domain
        user = groups.get("user")
        if kind == _PAM:
            if user is None or user == "":
                user = groups.get("ruser") or user
            if groups.get("count"):
                count = int(groups["count"])
        elif kind == _ROOT:
            user = "root"
        if user is None and state is not None:
            user = state.user
        if state is not None:
            if ip is not None or domain is not None:
                state.ip, state.domain = ip, domain
            if user is not None:
                state.user = user
        category, action, outcome = _AUTH, "ssh_login", "failure"
        if kind == _FAILED:
            if groups["method"] == "publickey" and not groups["inv"]:
                outcome = "unknown"
        elif kind == _ACCEPTED:
            outcome = "success"
        elif kind == _PAM:
            action = "pam_authentication"
        elif kind == _DISC_FAIL:
            action = "ssh_disconnect"
        elif kind == _DISCONNECTING:
            why = groups["why"]
            action = "ssh_disconnect"
            failed = "Too many authentication failures" in why or "Change of username" in why
            if not failed and (state is None or not state.failed):
                return None
        elif kind == _DISC:
            preauth = groups.get("preauth")
            if groups.get("kind"):
                if not preauth:
                    return None
                action = "ssh_disconnect"
            elif groups.get("user") is not None or not preauth:
                return None  # a normal logout
            elif state is not None and state.failed:
                action = "ssh_disconnect"
            else:
                category, action = _NET, "ssh_preauth"
        elif kind == _RECV:
            code, why = groups["code"], groups["why"]
            if code == "3" and why.endswith("Auth fail"):
                pass
            elif code == "14":
                category, action = _NET, "ssh_preauth"
            elif groups.get("preauth") or (state is not None and state.failed):
                if state is not None and state.failed:
                    action = "ssh_disconnect"
                else:
                    category, action = _NET, "ssh_preauth"
            else:
                return None
        elif kind == _PREAUTH:
            category, action = _NET, "ssh_preauth"
        elif kind == _CONNECT:
            category, action, outcome = _NET, "ssh_connection", "unknown"
        elif kind == _REFUSED:
            category, action = _NET, "ssh_connection_refused"
        elif kind == _REMEMBER:
            return None
        if state is not None:
            if outcome == "failure" and category == _AUTH:
                state.failed = True
            elif outcome == "success":
                state.failed = False
        return AccessEvent(
            timestamp=ts,
            category=category,
            action=action,
            outcome=outcome,
            user_name=user,
            source_ip=ip,
            source_domain=domain,
            service_name="sshd",
            host_name=host_name,
            count=count,
            file=file,
            line=line_no,
        )
