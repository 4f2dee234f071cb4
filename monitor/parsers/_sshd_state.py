"""Per-connection state of the sshd parser: fail2ban modes, pid memory, attempt weights."""

from __future__ import annotations

from typing import Any

from monitor.parsers._sshd_messages import (
    DISC,
    DISC_FAIL,
    DISCONNECTING,
    FAIL,
    FAILED,
    PAM,
    RECV,
)

__all__ = [
    "AUTH",
    "DDOS",
    "EXTRA",
    "MODE_FORMS",
    "NET",
    "NORMAL",
    "PID_STATE_MAX",
    "PidState",
    "weight",
]

PID_STATE_MAX = 16384
NORMAL, DDOS, EXTRA = "normal", "ddos", "extra"
# fail2ban's sshd modes -> the failure forms each reports (``normal`` is in all).
MODE_FORMS: dict[str, frozenset[str]] = {
    "aggressive": frozenset({NORMAL, DDOS, EXTRA}),
    "normal": frozenset({NORMAL}),
    "ddos": frozenset({NORMAL, DDOS}),
    "extra": frozenset({NORMAL, EXTRA}),
}
_SUMMARIES = frozenset({DISC_FAIL, DISCONNECTING, DISC, RECV})
AUTH = "authentication"
NET = "network"


class PidState:
    """What the parser remembers about one ``sshd[pid]`` (one connection)."""

    __slots__ = ("counted", "domain", "failed", "invalid", "ip", "pending", "user")

    def __init__(self) -> None:
        self.ip: str | None = None
        self.domain: str | None = None
        self.user: str | None = None
        self.failed = False  # this connection had an authentication failure
        self.counted = False  # an attempt of this connection was already counted
        self.invalid = False  # "Invalid user" counted the attempt its next "Failed" reports
        self.pending: str | None = None  # mode of a failure seen without an address


def weight(kind: str, groups: dict[str, Any], state: PidState | None, count: int) -> int:
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
