"""What every revoker is: a named object that can revoke and reinstate an account.

Revokers are the only stage that talks to identity systems. Their error
messages are built here from status codes and revoker names only, never from
response bodies, URLs with credentials or secrets, so they are safe to store.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from logward_base.errors import RevokeError
from monitor._alert import Alert

__all__ = ["Revoker", "RevokerType", "SecretRef", "check_account", "resolve_secret"]

_ACCOUNT_OK = re.compile(r"^[^\x00-\x1f\x7f]{1,256}$")


@runtime_checkable
class Revoker(Protocol):
    """Revoke and reinstate accounts in one identity system.

    ``revoke`` and ``reinstate`` raise :class:`RevokeError` on failure; its
    ``retryable`` flag (default ``False``) says whether trying again may help.
    """

    name: str

    def revoke(self, account: str, alert: Alert) -> None:
        """Disable ``account`` because of ``alert``."""

    def reinstate(self, account: str, reason: str) -> None:
        """Enable ``account`` again, recording ``reason`` where the system allows."""


class RevokerType(Protocol):
    """A revoker class as the registry (``monitor.revokers.REVOKERS``) holds it.

    It reads its own entry under ``revokers:`` in ``responses.yaml`` in two
    steps: ``check_spec`` when the file is loaded (strictly, with no I/O and
    no store: a bad file fails before anything is opened or written), and
    ``from_spec`` when a responder is built.

    Attributes:
        REQUIRED: the type's own keys that must be present.
        OPTIONAL: the type's own keys that may be present. ``type``,
            ``timeout`` and ``retry_attempts`` are common to every revoker
            and checked by the registry.
    """

    REQUIRED: frozenset[str]
    OPTIONAL: frozenset[str]

    def check_spec(self, name: str, spec: Mapping[str, Any], *, file: str) -> dict[str, Any]:
        """Check the values of this type's keys in ``spec`` (all present keys are known).

        Returns:
            The parsed values by key; the registry adds ``type``, ``timeout``
            (seconds) and ``retry_attempts``.

        Raises:
            RuleError: a value is invalid, naming ``file`` and ``revokers.<name>.<key>``.
        """
        ...

    def from_spec(
        self,
        name: str,
        spec: Mapping[str, Any],
        *,
        conn: sqlite3.Connection,
        clock: Callable[[], float],
    ) -> Revoker:
        """Build the revoker called ``name`` from a spec ``check_spec`` returned."""
        ...


@dataclass(frozen=True, slots=True)
class SecretRef:
    """Where a secret lives: an environment variable or a file, never the config itself."""

    env: str | None = None
    file: str | None = None

    def describe(self) -> str:
        """Say where the secret comes from, without its value."""
        return f"env {self.env}" if self.env else f"file {self.file}"


def resolve_secret(ref: SecretRef, revoker: str) -> str:
    """Read a secret from its environment variable or file.

    Args:
        ref: where the secret lives.
        revoker: the revoker's name, for the error message.

    Returns:
        The secret, stripped of surrounding whitespace.

    Raises:
        RevokeError: the variable is unset or the file unreadable/empty.
    """
    value: str | None
    if ref.env:
        value = os.environ.get(ref.env)
    else:
        try:
            value = Path(ref.file or "").read_text(encoding="utf-8")
        except OSError as exc:
            raise RevokeError(
                f"revoker {revoker!r}: cannot read secret ({ref.describe()}): "
                f"{exc.__class__.__name__}"
            ) from None
    value = (value or "").strip()
    if not value:
        raise RevokeError(f"revoker {revoker!r}: secret is missing ({ref.describe()})")
    return value


def check_account(account: str, revoker: str) -> str:
    """Refuse account names that could smuggle control characters or options.

    Raises:
        RevokeError: the name is empty, too long, has control characters or
            starts with ``-`` (it could be read as a command-line option).
    """
    if not _ACCOUNT_OK.match(account) or account.startswith("-"):
        raise RevokeError(f"revoker {revoker!r}: refusing an account name of unsafe form")
    return account
