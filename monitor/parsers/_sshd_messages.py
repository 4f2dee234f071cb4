"""The sshd messages the parser recognises: first word -> ``(pattern, kind)`` rules.

Patterns follow fail2ban's ``filter.d/sshd.conf`` (all modes) and the OpenSSH
sources; see :mod:`monitor.parsers._sshd` for what each kind becomes.
"""

from __future__ import annotations

import re

__all__ = [
    "ACCEPTED",
    "CONNECT",
    "DISC",
    "DISCONNECTING",
    "DISC_FAIL",
    "FAIL",
    "FAILED",
    "PAM",
    "PAM_RULE",
    "PENALTY",
    "PREAUTH",
    "RECV",
    "REFUSED",
    "REMEMBER",
    "ROOT",
    "TABLE",
]

_SUFF = r"(?: (?:port \d+|on \S+|\[preauth\]))*\s*$"
_PORTS = r"(?: (?:port \d+|on \S+)){0,3}"
_INV = r"(?:(?:illegal|invalid) user )?"
# What sshd writes after the client's address, anchored at the end of the line:
# the user name before it is client-written and may itself hold " from X port N
# ssh2: ", so the user pattern is greedy and the address is the LAST " from "
# followed by exactly this (key type and fingerprint, or a certificate's, at most).
_TAIL = (
    r"(?: port \d+)?(?: on \S+(?: port \d+)?)?(?: ssh\d*)?(?: \[preauth\])?"
    r"(?:: [A-Za-z0-9@._-]+ [^\s\"]+"
    r"(?: ID .* \(serial \d+\) CA [A-Za-z0-9@._-]+ [^\s\"]+"
    r'|, client user "[^"]*", client host "[^"]*")?)?\s*$'
)
_AUTHNG = r"(?: (?:(?P<kind>invalid|authenticating) )?user (?P<user>.*?))?"
_PAM_TAIL = (
    r"(?:\s+(?:logname|e?uid|tty)=\S*)*\s+ruser=(?P<ruser>\S*)\s+rhost=(?P<host>\S*)"
    r"(?:\s+user=(?P<user>\S*))?"
)

# Event kinds: what a matched message means.
FAILED = "failed"  # Failed <method> for ...
ACCEPTED = "accepted"
FAIL = "fail"  # an authentication failure verdict
ROOT = "root"
PAM = "pam"
DISC_FAIL = "disc_fail"
DISC = "disc"  # closed/reset/disconnected: depends on preauth, user and history
RECV = "recv"  # Received disconnect: depends on the reason code
DISCONNECTING = "disconnecting"
PREAUTH = "preauth"
CONNECT = "connect"
REFUSED = "refused"
REMEMBER = "remember"
PENALTY = "penalty"


def _rules(*pairs: tuple[str, str]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), kind) for pattern, kind in pairs]


_USER_RULES = _rules(
    (
        r"User (?P<user>.+?) (?:from )?(?P<host>\S+) not allowed because (?:not listed in "
        r"AllowUsers|listed in DenyUsers|not in any group|a group is listed in DenyGroups|"
        r"none of user's groups are listed in AllowGroups)" + _SUFF,
        FAIL,
    ),
    (r"User (?P<user>\S+|.*?) not allowed because account is locked" + _SUFF, FAIL),
    (
        r"User not known to the underlying authentication module for "
        + _INV
        + r"(?P<user>.*?) (?:from )?(?P<host>\S+)"
        + _SUFF,
        FAIL,
    ),
)
_INVALID_RULES = _rules(
    (
        r"(?P<invalid_user>[iI](?:nvalid|llegal)) user (?P<user>.*?) (?:from )?(?P<host>\S+)"
        + _SUFF,
        FAIL,
    )
)
_AUTHFAIL_RULES = _rules(
    (
        r"[aA]uthentication (?:failure|error|failed) for "
        + _INV
        + r"(?P<user>.*?) (?:from )?(?P<host>\S+)(?: via \S+)?"
        + _SUFF,
        FAIL,
    )
)
_CLOSE = r"(?P<host>\S+)(?: port \d+)?(?: on \S+ port \d+)?(?P<preauth> \[preauth\])?\s*$"
_PREAUTH_PID = r"(?P<host>)"  # no address in the message: taken from the pid's history

TABLE: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "Failed": _rules(
        (  # SSH protocol 1 (OpenSSH < 7.6): "ssh1: ruser NAME" follows the address
            r"Failed (?P<method>\S+) for (?P<inv>invalid user )?(?P<user>\S+) from (?P<host>\S+)"
            r" port \d+ ssh1: ruser .*$",
            FAILED,
        ),
        (
            r"Failed (?P<method>\S+) for (?P<inv>invalid user )?(?P<user>.*) from (?P<host>\S+)"
            + _TAIL,
            FAILED,
        ),
    ),
    "Accepted": _rules(
        (r"Accepted (?P<method>\S+) for (?P<user>.*) from (?P<host>\S+)" + _TAIL, ACCEPTED)
    ),
    "Invalid": _INVALID_RULES,
    "invalid": _INVALID_RULES,
    "Illegal": _INVALID_RULES,
    "illegal": _INVALID_RULES,
    "User": _USER_RULES,
    "Authentication": _AUTHFAIL_RULES,
    "authentication": _AUTHFAIL_RULES,
    "ROOT": _rules((r"ROOT LOGIN REFUSED.*? FROM (?P<host>\S+)" + _SUFF, ROOT)),
    "refused": _rules((r"refused connect from \S+ \((?P<host>[^)\s]+)\)" + _SUFF, REFUSED)),
    "Received": _rules(
        (
            r"Received disconnect from (?P<host>\S+?)"
            + _PORTS
            + r":\s*(?P<code>\d+): ?(?P<why>.*?)(?P<preauth> \[preauth\])?\s*$",
            RECV,
        )
    ),
    "PAM": _rules((r"PAM (?P<count>\d+) more authentication failures?;" + _PAM_TAIL, PAM)),
    "maximum": _rules(
        (
            r"maximum authentication attempts exceeded for "
            + _INV
            + r"(?P<user>.*?) (?:from )?(?P<host>\S+)"
            + _PORTS
            + r"(?: ssh\d*)?"
            + _SUFF,
            DISC_FAIL,
        )
    ),
    "Disconnecting:": _rules(
        (
            r"Disconnecting: Too many authentication failures(?: for "
            + _INV
            + r"(?P<user>\S+|.*?))?"
            + _SUFF,
            DISC_FAIL,
        )
    ),
    "Disconnecting": _rules(
        (
            r"Disconnecting(?: from)? (?:(?P<kind>invalid|authenticating) )?user (?P<user>.*) "
            r"(?P<host>\S+) port \d+: (?P<why>Change of username or service not allowed: "
            r"\(.*\) -> \(.*\)|[^:]*?)(?: \[preauth\])?\s*$",
            DISCONNECTING,
        )
    ),
    "Connection": _rules(
        (r"Connection (?:closed|reset) by" + _AUTHNG + " " + _CLOSE, DISC),
        (
            r"Connection from (?P<host>\S+)(?: port \d+)?(?: on \S+(?: port \d+)?)?"
            r"(?: rdomain \S+)?\s*$",
            CONNECT,
        ),
    ),
    "Disconnected": _rules((r"Disconnected from" + _AUTHNG + " " + _CLOSE, DISC)),
    "Did": _rules(
        (r"Did not receive identification string from (?P<host>\S+)" + _PORTS + _SUFF, PREAUTH)
    ),
    "Timeout": _rules(
        (r"Timeout before authentication for (?:connection from )?(?P<host>\S+)", PREAUTH)
    ),
    "Bad": _rules(
        (
            r"Bad protocol version identification '.*' (?:from )?(?P<host>\S+)" + _PORTS + _SUFF,
            PREAUTH,
        )
    ),
    "kex_exchange_identification:": _rules(
        (r"kex_exchange_identification: " + _PREAUTH_PID, PREAUTH)
    ),
    "banner": _rules((r"banner exchange: Connection from (?P<host>\S+)" + _PORTS + r": ", PREAUTH)),
    "ssh_dispatch_run_fatal:": _rules(
        (
            r"ssh_dispatch_run_fatal: Connection from (?:(?:invalid|authenticating) user \S+ )?"
            r"(?P<host>\S+)" + _PORTS + r": ",
            PREAUTH,
        )
    ),
    "Read": _rules((r"Read from socket failed: Connection reset by peer" + _PREAUTH_PID, PREAUTH)),
    "Unable": _rules(
        (r"Unable to negotiate with (?P<host>\S+)" + _PORTS + r": no matching ", PREAUTH),
        (r"Unable to negotiate a " + _PREAUTH_PID, PREAUTH),
    ),
    "no": _rules((r"no matching (?:\S+ ){1,3}found" + _PREAUTH_PID, PREAUTH)),
    "drop": _rules(
        (
            r"drop connection #\d+ from \[(?P<host>[^\]]+)\]:\d+ on \[[^\]]*\]:\d+ "
            r"penalty: (?P<why>.*)$",
            PENALTY,
        )
    ),
    "SSH:": _rules((r"SSH: Server;Ltype: \S+;Remote: (?P<host>\S+?)-\d+;", REMEMBER)),
}
PAM_RULE = re.compile(
    r"pam_[a-z]+\(sshd(?:-session|-auth)?:auth\):\s+authentication failure;" + _PAM_TAIL
)
