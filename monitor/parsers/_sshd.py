"""OpenSSH authentication lines from syslog files and the journal.

Headers understood (``sshd``, ``sshd-session`` and ``sshd-auth`` programs):

* RFC 3164 ``Jan  5 01:31:41 host sshd[123]: ...`` (host optional, ``[sshd]``
  forms, journalctl ``short``/``short-precise`` with a fraction);
* ISO 8601 ``2024-01-02T03:04:05.123456+00:00 host sshd[123]: ...``
  (rsyslog high precision, journalctl ``short-iso``/``short-iso-precise``);
* RFC 5424 ``<38>1 2019-07-08T17:40:16.95-04:00 host sshd 57915 - - ...``;
* journalctl ``short-unix`` (epoch seconds) and ``short-full``
  (``Tue 2024-01-02 03:04:05 UTC``; zone names other than UTC/GMT use ``tz``);
* ``journalctl -o json`` records (``MESSAGE``, ``_PID``/``SYSLOG_PID``,
  ``_HOSTNAME``, ``__REALTIME_TIMESTAMP`` in microseconds);
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
  ... rhost= user=`` lines and ``PAM N more authentication failures``, outcome
  ``unknown`` and weight 0: sshd's own verdict for the same attempt follows
  (fail2ban's ``NOFAIL``).
* ``authentication``/``ssh_disconnect``: a connection ended after failing
  authentication (``maximum authentication attempts exceeded``, ``Too many
  authentication failures``, closed/reset/disconnected by an invalid or
  authenticating user before authentication) -> ``failure``.
* ``network``/``ssh_preauth``: probes that never reached authentication (no
  identification string, bad protocol version, failed key exchange,
  closed/reset before authentication) -> ``failure``;
  ``network``/``ssh_connection``: ``Connection from`` (``unknown``);
  ``network``/``ssh_connection_refused``: TCP wrappers' ``refused connect``;
  ``network``/``ssh_penalty``: OpenSSH 9.8+ ``PerSourcePenalties`` drops
  (``drop connection #N from [ADDR]:PORT ... penalty: ...``), ``failure``.

**One count per attempt.** A real bad password is logged several times (PAM's
line, then ``Failed password``; for unknown users also ``Invalid user`` and a
closing ``Connection closed by invalid user ... [preauth]``). Every such line
stays an ``authentication`` ``failure`` event with its address and user (the
evidence, and what fail2ban matches), but ``event.count`` - the weight rules
count with - is 0 for lines that corroborate an attempt already counted: PAM
lines always (sshd's own verdict follows), the ``Failed ... for invalid user``
right after ``Invalid user``, and end-of-connection summaries once an attempt
of that connection was counted. Rules counting ``event.count`` therefore see
each attempt once.

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
from monitor.parsers._fields import loads_json, split_host
from monitor.parsers._sshd_messages import (
    ACCEPTED,
    CONNECT,
    DISC,
    DISC_FAIL,
    DISCONNECTING,
    FAIL,
    FAILED,
    PAM,
    PAM_RULE,
    PENALTY,
    PREAUTH,
    RECV,
    REFUSED,
    REMEMBER,
    ROOT,
    TABLE,
)
from monitor.parsers._time import TimeConverter

__all__ = ["SshdParser"]

_HEADER = re.compile(
    r"(?:<\d{1,3}>)?"
    r"(?:(?P<bsd>[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d)(?P<bfrac>\.\d+)?"
    r"|(?:[A-Z][a-z]{2} )?(?P<ymd>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?P<frac>[.,]\d+)?"
    r"(?P<off>Z| ?[+-]\d\d:?\d\d| [A-Z]{3,5}(?= ))?"
    r"|(?P<epoch>\d{9,11}(?:\.\d+)?)"
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

_PID_STATE_MAX = 16384
_NORMAL, _DDOS, _EXTRA = "normal", "ddos", "extra"
# fail2ban's sshd modes -> the failure forms each reports (``normal`` is in all).
_MODE_FORMS: dict[str, frozenset[str]] = {
    "aggressive": frozenset({_NORMAL, _DDOS, _EXTRA}),
    "normal": frozenset({_NORMAL}),
    "ddos": frozenset({_NORMAL, _DDOS}),
    "extra": frozenset({_NORMAL, _EXTRA}),
}
_SUMMARIES = frozenset({DISC_FAIL, DISCONNECTING, DISC, RECV})
_AUTH = "authentication"
_NET = "network"


class _PidState:
    __slots__ = ("counted", "domain", "failed", "invalid", "ip", "pending", "user")

    def __init__(self) -> None:
        self.ip: str | None = None
        self.domain: str | None = None
        self.user: str | None = None
        self.failed = False  # this connection had an authentication failure
        self.counted = False  # an attempt of this connection was already counted
        self.invalid = False  # "Invalid user" counted the attempt its next "Failed" reports
        self.pending: str | None = None  # mode of a failure seen without an address


class SshdParser(Parser):
    """Parse OpenSSH authentication lines (see the module docstring for the mapping)."""

    format = "sshd"
    free_text = ("source_domain", "host_name")
    modes = ("aggressive", "normal", "ddos", "extra")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        self._time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)
        self._last_ts = opts.reference_time
        self._pids: dict[tuple[str | None, str], _PidState] = {}
        self._forms = _MODE_FORMS[self.mode]

    def _timestamp(self, m: re.Match[str], file: str | None) -> float:
        bsd = m.group("bsd")
        try:
            if bsd is not None:
                ts = self._time.bsd(bsd, file)
                frac = m.group("bfrac")
            elif (ymd := m.group("ymd")) is not None:
                off = m.group("off")
                off = off.strip() if off else None
                if off is not None and off.isalpha():  # a zone name (journalctl short-full)
                    off = "Z" if off in ("UTC", "GMT", "Z") else None
                ts = self._time.ymd(ymd, off)
                frac = m.group("frac")
            elif (epoch := m.group("epoch")) is not None:
                ts, frac = float(epoch), None
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

    def _journal_json(self, line: str) -> tuple[float, str | None, str | None, str] | None:
        """Read one ``journalctl -o json`` record: time, host, pid, message."""
        try:
            record = loads_json(line)
        except ValueError as exc:
            raise Unparseable from exc
        if not isinstance(record, dict):
            raise Unparseable
        ident = str(record.get("SYSLOG_IDENTIFIER") or record.get("_COMM") or "")
        msg = record.get("MESSAGE")
        if not ident.startswith("sshd") or not isinstance(msg, str):
            return None
        stamp = record.get("__REALTIME_TIMESTAMP") or record.get("_SOURCE_REALTIME_TIMESTAMP")
        try:
            ts = int(stamp) / 1e6 if stamp is not None else self._last_ts
        except (TypeError, ValueError) as exc:
            raise Unparseable from exc
        if ts is None:
            ts = self._time.reference
        self._last_ts = ts
        pid = record.get("SYSLOG_PID") or record.get("_PID")
        host = record.get("_HOSTNAME")
        return ts, str(host) if host else None, str(pid) if pid else None, msg

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        if "sshd" not in line:
            return None
        host_name: str | None
        pid: str | None
        if line.startswith("{"):
            journal = self._journal_json(line)
            if journal is None:
                return None
            ts, host_name, pid, msg = journal
        elif line.startswith("<") and (m5 := _RFC5424.match(line)) is not None:
            try:
                ts = self._time.iso(m5.group("ts"))
            except ValueError as exc:
                raise Unparseable from exc
            self._last_ts = ts
            host_name = m5.group("host")
            pid = m5.group("pid")
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

    @staticmethod
    def _weight(kind: str, groups: dict[str, Any], state: _PidState | None, count: int) -> int:
        """Return ``event.count`` so that each authentication attempt counts once.

        PAM's lines always precede sshd's own verdict for the same attempt, so
        they weigh 0. ``Invalid user`` counts the attempt that its following
        ``Failed ... for invalid user`` reports (that one weighs 0). Summaries
        of a connection (``Too many authentication failures``, ``maximum
        authentication attempts exceeded``, closed/disconnected before
        authentication, ``Received disconnect ... Auth fail``) weigh 0 when an
        attempt of the same connection was already counted, else 1.
        """
        if state is None:
            return 0 if kind == PAM else count
        state.failed = True
        if kind == PAM:
            return 0
        if kind == FAILED:
            if groups["inv"] and state.invalid:
                state.invalid = False
                count = 0
        elif kind == FAIL and groups.get("invalid_user") is not None:
            state.invalid = True
        elif kind in _SUMMARIES and state.counted:
            count = 0
        state.counted = True
        return count

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
            match = PAM_RULE.match(msg)
            kind = PAM
        else:
            space = msg.find(" ")
            rules = TABLE.get(msg[:space] if space > 0 else msg)
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
        if kind == CONNECT and state is not None:  # a new connection: forget the pid's past
            state.user = None
            state.failed = state.counted = state.invalid = False
            state.pending = None
        host = groups.get("host")
        ip = domain = None
        if host:
            ip, domain = split_host(host)
            if ip is None and domain is None:
                self.stats.suspicious += 1  # not one address: no attribution
        elif state is not None:
            ip, domain = state.ip, state.domain
        if kind == PAM and msg.count(" rhost=") > 1:
            self.stats.suspicious += 1  # a user name carrying a forged rhost=
        user = groups.get("user")
        if kind == PAM:
            if user is None or user == "":
                user = groups.get("ruser") or user
            if groups.get("count"):
                count = int(groups["count"])
        elif kind == ROOT:
            user = "root"
        if user is None and state is not None:
            user = state.user
        if state is not None:
            if ip is not None or domain is not None:
                state.ip, state.domain = ip, domain
            if user is not None:
                state.user = user
        category, action, outcome = _AUTH, "ssh_login", "failure"
        form = _NORMAL  # the fail2ban mode that reports this failure
        pending = state.pending if state is not None else None
        if kind == FAILED:
            if groups["method"] == "publickey" and not groups["inv"]:
                outcome = "unknown"
        elif kind == ACCEPTED:
            outcome = "success"
        elif kind == PAM:
            # PAM's verdict precedes sshd's own for the same attempt: evidence,
            # not a failure of its own (fail2ban's NOFAIL); it never weighs.
            action, outcome, count = "pam_authentication", "unknown", 0
            if state is not None:
                state.failed = True
        elif kind == DISC_FAIL:
            action = "ssh_disconnect"
        elif kind == DISCONNECTING:
            why = groups["why"]
            action = "ssh_disconnect"
            failed = "Too many authentication failures" in why or "Change of username" in why
            if not failed and (state is None or not state.failed):
                return None
        elif kind == DISC:
            preauth = groups.get("preauth")
            if pending is not None:  # the address of a failure logged without one
                action = "ssh_disconnect"
                if pending != _NORMAL:
                    category, action = _NET, "ssh_preauth"
            elif groups.get("kind"):
                if not preauth:
                    return None
                action = "ssh_disconnect"
                form = _EXTRA if msg.startswith("Disconnected") else _DDOS
            elif groups.get("user") is not None or not preauth:
                return None  # a normal logout
            elif state is not None and state.failed:
                action, form = "ssh_disconnect", _DDOS
            else:
                category, action, form = _NET, "ssh_preauth", _DDOS
        elif kind == RECV:
            code, why = groups["code"], groups["why"]
            if code == "3" and why.endswith("Auth fail"):
                pass
            elif code == "14":
                category, action, form = _NET, "ssh_preauth", _EXTRA
            elif pending is not None:
                action = "ssh_disconnect"
                if pending != _NORMAL:
                    category, action = _NET, "ssh_preauth"
            elif groups.get("preauth") or (state is not None and state.failed):
                form = _DDOS
                if state is not None and state.failed:
                    action = "ssh_disconnect"
                else:
                    category, action = _NET, "ssh_preauth"
            else:
                return None
        elif kind == PREAUTH:
            category, action = _NET, "ssh_preauth"
            form = _EXTRA if msg[:2] in ("Un", "no") else _DDOS
        elif kind == CONNECT:
            category, action, outcome = _NET, "ssh_connection", "unknown"
        elif kind == REFUSED:
            category, action = _NET, "ssh_connection_refused"
        elif kind == PENALTY:
            category, action, form = _NET, "ssh_penalty", _DDOS
        elif kind == REMEMBER:
            return None
        if pending is not None and outcome == "failure" and (ip is not None or domain is not None):
            form = pending
            state.pending = None  # type: ignore[union-attr]
        if outcome == "failure" and form not in self._forms:
            return None
        if outcome == "failure" and ip is None and domain is None:
            # No address yet (``Disconnecting: Too many authentication failures``,
            # ``kex_exchange_identification: ...``): like fail2ban's multi-line
            # matching, the failure waits for the connection's next line that
            # names the address, which then reports (and counts) it.
            if state is not None:
                state.pending = form
                state.failed = True
            return None
        if outcome == "failure" and category == _AUTH:
            count = self._weight(kind, groups, state, count)
        elif outcome == "success" and state is not None:
            state.failed = state.counted = state.invalid = False
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
