"""Revoke by running a command (argv template, never a shell)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from logward_base.errors import RevokeError
from monitor._alert import Alert
from monitor.revokers._base import check_account
from monitor.revokers._spec import argv_field

__all__ = ["PLACEHOLDERS", "CommandRevoker"]

PLACEHOLDERS = frozenset({"account", "rule", "severity", "alert_id", "reason"})
_FIELD = re.compile(r"\{([a-z_]+)\}")


def render(template: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """Substitute ``{name}`` placeholders in each argument; nothing else is interpreted."""
    return [_FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), arg) for arg in template]


class CommandRevoker:
    """Run ``revoke_argv`` / ``reinstate_argv`` with placeholders filled in.

    Placeholders: ``{account}``, ``{rule}``, ``{severity}``, ``{alert_id}``
    (revoke) and ``{account}``, ``{reason}`` (reinstate). Exit status 0 is
    success; output is discarded (it may hold data we must not store).

    Args:
        name: the revoker's name in ``responses.yaml``.
        revoke_argv: argv template for revocation.
        reinstate_argv: argv template for reinstatement.
        timeout: seconds before the command is killed.
    """

    REQUIRED: ClassVar[frozenset[str]] = frozenset({"revoke_argv", "reinstate_argv"})
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def check_spec(cls, name: str, spec: Mapping[str, Any], *, file: str) -> dict[str, Any]:
        """Both argv templates: non-empty string lists using only :data:`PLACEHOLDERS`."""
        return {
            key: argv_field(file, name, key, spec[key], PLACEHOLDERS)
            for key in ("revoke_argv", "reinstate_argv")
        }

    @classmethod
    def from_spec(
        cls,
        name: str,
        spec: Mapping[str, Any],
        *,
        conn: sqlite3.Connection,
        clock: Callable[[], float],
    ) -> CommandRevoker:
        """Build from a checked spec."""
        return cls(name, spec["revoke_argv"], spec["reinstate_argv"], float(spec["timeout"]))

    def __init__(
        self,
        name: str,
        revoke_argv: Sequence[str],
        reinstate_argv: Sequence[str],
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self._revoke = tuple(revoke_argv)
        self._reinstate = tuple(reinstate_argv)
        self._timeout = timeout

    def _run(self, argv: list[str], what: str) -> None:
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=self._timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RevokeError(f"revoker {self.name!r}: {what} command timed out") from None
        except OSError as exc:
            raise RevokeError(
                f"revoker {self.name!r}: {what} command could not start: {exc.__class__.__name__}"
            ) from None
        if done.returncode != 0:
            raise RevokeError(
                f"revoker {self.name!r}: {what} command exited with {done.returncode}"
            )

    def revoke(self, account: str, alert: Alert) -> None:
        """Run the revoke command for ``account``."""
        values = {
            "account": check_account(account, self.name),
            "rule": alert.rule,
            "severity": alert.severity,
            "alert_id": alert.id,
        }
        self._run(render(self._revoke, values), "revoke")

    def reinstate(self, account: str, reason: str) -> None:
        """Run the reinstate command for ``account``."""
        values = {"account": check_account(account, self.name), "reason": reason}
        self._run(render(self._reinstate, values), "reinstate")
