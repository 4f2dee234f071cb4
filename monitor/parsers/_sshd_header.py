"""The envelope of an sshd line: time, host and pid before the message.

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

The message then loses syslog's wrappers (``[ID n facility]``, a kernel
stamp, ``error:``/``fatal:``, ``PAM:``) and ``message repeated N times: [...]``
becomes the message with a count of N.
"""

from __future__ import annotations

import re

from monitor.parsers._base import Unparseable
from monitor.parsers._fields import loads_json
from monitor.parsers._time import TimeConverter

__all__ = ["SshdHeader"]

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


class SshdHeader:
    """Reads the header of sshd lines; remembers the last time for lines without one."""

    def __init__(self, time: TimeConverter, reference_time: float | None) -> None:
        self._time = time
        self._last_ts = reference_time

    def read(
        self, line: str, file: str | None
    ) -> tuple[float, str | None, str | None, str, int] | None:
        """Split ``line`` into time, host, pid, message and repeat count.

        Returns:
            ``None`` when the line is not an sshd line.

        Raises:
            Unparseable: an sshd line whose time or repeat wrapper is malformed.
        """
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
        return ts, host_name, pid, msg, count

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
