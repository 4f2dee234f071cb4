"""OpenSSH authentication lines from syslog files and the journal.

Headers (syslog RFC 3164/5424, ISO 8601, the journal's text and JSON forms)
are read by :mod:`monitor.parsers._sshd_header`; this module maps the message.

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
last seen for the same ``sshd[pid]``, like fail2ban's multi-line matching; if
none was seen yet, the failure waits (no event) and the connection's next line
that names the address reports and counts it.

**Attribution.** The user name is written by the client and may hold ``from
X port N ssh2: ``. The address is therefore anchored at the end of the
message, as fail2ban anchors it: the last `` from ADDR`` that sshd's own tail
follows to the end of the line (``port N``, ``on ADDR port N``, ``sshN``,
``[preauth]``, a key's type and fingerprint, a certificate's ID and CA, or
hostbased's client user/host); everything before it is the user name. A user
name that carries an address is counted in ``stats.suspicious``.

**Modes** (``mode``, as fail2ban's ``sshd`` filter): ``aggressive`` (default:
every failure form), ``normal`` (authentication verdicts only), ``ddos``
(plus pre-authentication probes: no identification string, bad protocol
version, closed/reset ``[preauth]``, kex failures, penalties) and ``extra``
(plus negotiation failures and ``Disconnected from ... user ... [preauth]``).
In a narrower mode the other failure forms are not events.
``::ffff:``-mapped addresses become IPv4; host names go to ``source.domain``.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from monitor._event import AccessEvent
from monitor.parsers._base import Parser
from monitor.parsers._fields import split_host
from monitor.parsers._sshd_header import SshdHeader
from monitor.parsers._sshd_messages import (
    ACCEPTED,
    CONNECT,
    DISC,
    DISC_FAIL,
    DISCONNECTING,
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
from monitor.parsers._sshd_state import (
    AUTH,
    DDOS,
    EXTRA,
    MODE_FORMS,
    NET,
    NORMAL,
    PID_STATE_MAX,
    PidState,
    weight,
)
from monitor.parsers._time import TimeConverter

__all__ = ["SshdParser"]


class SshdParser(Parser):
    """Parse OpenSSH authentication lines (see the module docstring for the mapping)."""

    format = "sshd"
    free_text = ("source_domain", "host_name")
    modes = ("aggressive", "normal", "ddos", "extra")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        time = TimeConverter(opts.year_rule, opts.reference_time, opts.tz)
        self._header = SshdHeader(time, opts.reference_time)
        self._pids: dict[tuple[str | None, str], PidState] = {}
        self._forms = MODE_FORMS[self.mode]

    def _parse(self, line: str, line_no: int, file: str | None) -> AccessEvent | None:
        if "sshd" not in line:
            return None
        head = self._header.read(line, file)
        if head is None:
            return None
        ts, host_name, pid, msg, count = head
        return self._message(msg, ts, host_name, pid, count, line_no, file)

    def _state(self, host_name: str | None, pid: str | None) -> PidState | None:
        if pid is None or pid == "-":
            return None
        key = (host_name, pid)
        state = self._pids.get(key)
        if state is None:
            if len(self._pids) >= PID_STATE_MAX:
                for old in list(islice(self._pids, PID_STATE_MAX // 4)):
                    del self._pids[old]
            state = self._pids[key] = PidState()
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
        category, action, outcome = AUTH, "ssh_login", "failure"
        form = NORMAL  # the fail2ban mode that reports this failure
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
                if pending != NORMAL:
                    category, action = NET, "ssh_preauth"
            elif groups.get("kind"):
                if not preauth:
                    return None
                action = "ssh_disconnect"
                form = EXTRA if msg.startswith("Disconnected") else DDOS
            elif groups.get("user") is not None or not preauth:
                return None  # a normal logout
            elif state is not None and state.failed:
                action, form = "ssh_disconnect", DDOS
            else:
                category, action, form = NET, "ssh_preauth", DDOS
        elif kind == RECV:
            code, why = groups["code"], groups["why"]
            if code == "3" and why.endswith("Auth fail"):
                pass
            elif code == "14":
                category, action, form = NET, "ssh_preauth", EXTRA
            elif pending is not None:
                action = "ssh_disconnect"
                if pending != NORMAL:
                    category, action = NET, "ssh_preauth"
            elif groups.get("preauth") or (state is not None and state.failed):
                form = DDOS
                if state is not None and state.failed:
                    action = "ssh_disconnect"
                else:
                    category, action = NET, "ssh_preauth"
            else:
                return None
        elif kind == PREAUTH:
            category, action = NET, "ssh_preauth"
            form = EXTRA if msg[:2] in ("Un", "no") else DDOS
        elif kind == CONNECT:
            category, action, outcome = NET, "ssh_connection", "unknown"
        elif kind == REFUSED:
            category, action = NET, "ssh_connection_refused"
        elif kind == PENALTY:
            category, action, form = NET, "ssh_penalty", DDOS
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
        if outcome == "failure" and category == AUTH:
            count = weight(kind, groups, state, count)
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
