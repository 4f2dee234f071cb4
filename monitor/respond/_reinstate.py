"""Reinstate a revoked account: a plain function the CLI and the dashboard call.

``reinstate(conn, account, actor, reason, revokers)`` calls the account's
revoker, updates the store and appends the audit entry (by pseudonym), in that
order; a revoker failure is audited as ``failed`` and changes nothing else.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from logward_base.errors import ConfigError, RevokeError
from logward_base.paths import rules_dir
from monitor._audit import AuditLog
from monitor._event import iso_time
from monitor._pseudonym import pseudonym, pseudonymise_value
from monitor.respond._config import load_responses
from monitor.respond._record import ActionResult, default_scrub, safe_error, transaction
from monitor.revokers import Revoker, build_revoker

__all__ = ["load_revokers", "reinstate"]

logger = logging.getLogger("monitor.respond")


def load_revokers(
    conn: sqlite3.Connection,
    path: str | Path | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, Revoker]:
    """Build the revokers named in a ``responses.yaml`` (default: the shipped one).

    Raises:
        RuleError: the file is invalid.
    """
    config = load_responses(path or rules_dir() / "responses.yaml")
    return {n: build_revoker(n, s, conn, clock) for n, s in config.revokers.items()}


def _pseud(conn: sqlite3.Connection, account: str, detail: dict[str, Any]) -> dict[str, Any]:
    return dict(pseudonymise_value(conn, detail, [("account", account)]))


def reinstate(
    conn: sqlite3.Connection,
    account: str,
    actor: str,
    reason: str,
    revokers: Mapping[str, Revoker] | None = None,
    *,
    clock: Callable[[], float] = time.time,
    scrub: Callable[[str], str] = default_scrub,
) -> ActionResult:
    """Reinstate a revoked account: call its revoker, update the store, audit it.

    Args:
        conn: a connection from ``monitor.open_store``.
        account: the revoked account.
        actor: who reinstates (e.g. ``cli:alice``, ``dashboard:bob``, ``monitor``).
        reason: why; required, stored scrubbed.
        revokers: revokers by name; ``None`` loads the shipped ``responses.yaml``.
        clock: returns epoch seconds.
        scrub: scrubs free text (the reason) before it is stored or sent.

    Returns:
        The ``reinstate`` result (outcome ``done``).

    Raises:
        ConfigError: actor or reason is empty.
        RevokeError: the account is not revoked, its revoker is not configured,
            or the revoker failed (audited as ``failed``; nothing else changes).
    """
    if not actor.strip() or not reason.strip():
        raise ConfigError("reinstatement needs an actor and a reason")
    clean_reason = scrub(reason.strip())
    row = conn.execute(
        "SELECT revoker, mode, revoked_at, expires_at, alert_id, rule, offences"
        " FROM revocations WHERE account = ? AND state = 'revoked'",
        (account,),
    ).fetchone()
    if row is None:
        raise RevokeError(f"account {account!r} is not revoked")
    name = row[0] or ""
    if revokers is None:
        revokers = load_revokers(conn, clock=clock)
    revoker = revokers.get(name)
    audit = AuditLog(conn, clock)
    # The audit chain names the account by pseudonym (issue 12); reasons may mention it too.
    subject = pseudonym(conn, "account", account)
    base = {
        "why": clean_reason,
        "revoker": name,
        "revoked_at": iso_time(row[2]),
        "mode": row[1],
        "alert_id": row[4],
        "rule": row[5],
        "offences": row[6],
    }
    if revoker is None:
        audit.append(
            actor, "reinstate", subject, _pseud(conn, account, {**base, "outcome": "failed"})
        )
        raise RevokeError(f"revoker {name!r} is not configured here; cannot reinstate")
    try:
        revoker.reinstate(account, clean_reason)
    except Exception as exc:
        error = safe_error(exc, scrub)
        failed = {**base, "outcome": "failed", "error": error}
        audit.append(actor, "reinstate", subject, _pseud(conn, account, failed))
        logger.warning("reinstatement via %s failed: %s", name, exc.__class__.__name__)
        raise RevokeError(f"revoker {name!r} could not reinstate: {error}") from None
    now = clock()
    with transaction(conn):
        conn.execute(
            "UPDATE revocations SET state = 'reinstated', reinstated_at = ?, reinstated_by = ?,"
            " reason = ? WHERE account = ?",
            (now, actor, clean_reason, account),
        )
        conn.execute(
            "UPDATE accounts SET active = 1, updated_at = ? WHERE name = ?", (now, account)
        )
        audit.append(
            actor, "reinstate", subject, _pseud(conn, account, {**base, "outcome": "done"})
        )
    return ActionResult(
        alert_id=row[4] or "",
        action="reinstate",
        target=account,
        outcome="done",
        revoker=name,
        reason=clean_reason,
    )
