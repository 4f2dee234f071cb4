"""The embedded default revoker: the ``accounts`` table of the store."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from logward_base.errors import RevokeError
from monitor._alert import Alert
from monitor._store import STORE_ERRORS, STORE_LOCKED_ERRORS

__all__ = ["SqliteRevoker"]


class SqliteRevoker:
    """Set ``accounts.active`` to 0 or 1 in the embedded store.

    An account the store has never seen is added as inactive on revocation,
    so that an attacker's target is blocked even before it is provisioned.

    Args:
        conn: a connection from ``monitor.open_store``.
        name: the revoker's name in ``responses.yaml``.
        clock: returns epoch seconds.
    """

    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def check_spec(cls, name: str, spec: Mapping[str, Any], *, file: str) -> dict[str, Any]:
        """No fields of its own: it writes the store's ``accounts`` table."""
        return {}

    @classmethod
    def from_spec(
        cls,
        name: str,
        spec: Mapping[str, Any],
        *,
        conn: sqlite3.Connection,
        clock: Callable[[], float],
    ) -> SqliteRevoker:
        """Use the store ``conn`` and ``clock``."""
        return cls(conn, name, clock)

    def __init__(
        self,
        conn: sqlite3.Connection,
        name: str = "embedded",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._conn = conn
        self._clock = clock

    def _set_active(self, account: str, active: int) -> None:
        try:
            self._conn.execute(
                "INSERT INTO accounts (name, active, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET active = excluded.active,"
                " updated_at = excluded.updated_at",
                (account, active, self._clock()),
            )
            self._conn.commit()
        except STORE_ERRORS as exc:
            raise RevokeError(
                f"revoker {self.name!r}: store update failed: {exc.__class__.__name__}",
                retryable=isinstance(exc, STORE_LOCKED_ERRORS),
            ) from None

    def revoke(self, account: str, alert: Alert) -> None:
        """Mark ``account`` inactive."""
        self._set_active(account, 0)

    def reinstate(self, account: str, reason: str) -> None:
        """Mark ``account`` active again."""
        self._set_active(account, 1)
