"""State-changing actions a dashboard user may take, each audited in the hash chain.

Reinstating goes through the monitor's shared ``monitor.reinstate``, so the
dashboard, the CLI and the revokers agree on what a reinstatement does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from logward_base.errors import ConfigError, RevokeError
from monitor import AuditLog, default_scrub, load_revokers, pseudonym, reinstate

__all__ = [
    "ALERT_STATUSES",
    "ActionError",
    "reinstate_account",
    "set_account_alerts_status",
    "set_alert_status",
]

ALERT_STATUSES = ("acknowledged", "investigated", "false_positive")
MAX_REASON = 500
MIN_REASON = 3


class ActionError(ValueError):
    """The action cannot be done as asked (unknown target, bad reason, wrong state).

    Attributes:
        status: the HTTP status the dashboard answers with.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _clean_reason(reason: str | None, required: bool) -> str:
    """Normalise whitespace and check length; the text is scrubbed where it is stored."""
    text = " ".join((reason or "").split())
    if required and len(text) < MIN_REASON:
        raise ActionError("a reason of at least 3 characters is required")
    if len(text) > MAX_REASON:
        raise ActionError(f"the reason is longer than {MAX_REASON} characters")
    return text


def reinstate_account(
    conn: sqlite3.Connection,
    account: str,
    actor: str,
    reason: str | None,
    clock: Callable[[], float],
    revokers_file: Path | None = None,
) -> None:
    """Reinstate a revoked account through the shared ``monitor.reinstate``.

    That calls the account's revoker (from ``responses.yaml``), updates the
    store and appends the actor and reason to the audit chain, exactly as
    ``logward accounts reinstate`` does.

    Raises:
        ActionError: no reason (400), not revoked (404/409), or the revoker
            failed or is not configured (502; the failure is audited).
    """
    text = _clean_reason(reason, required=True)
    row = conn.execute("SELECT state FROM revocations WHERE account = ?", (account,)).fetchone()
    if row is None:
        raise ActionError("no revocation is recorded for this account", status=404)
    if row["state"] != "revoked":
        raise ActionError("the account is not currently revoked", status=409)
    try:
        revokers = load_revokers(conn, revokers_file, clock) if revokers_file else None
        reinstate(conn, account, actor, text, revokers, clock=clock)
    except (RevokeError, ConfigError) as exc:
        raise ActionError(f"reinstatement failed: {exc}", status=502) from None


def set_alert_status(
    conn: sqlite3.Connection, alert_id: str, status: str, actor: str, reason: str | None
) -> str:
    """Mark one alert acknowledged, investigated or a false positive; returns the old status.

    Raises:
        ActionError: unknown status (400) or alert (404).
    """
    if status not in ALERT_STATUSES:
        raise ActionError("status must be acknowledged, investigated or false_positive")
    text = _clean_reason(reason, required=status == "false_positive")
    row = conn.execute(
        "SELECT status, key_text, rule FROM alerts WHERE id = ?", (alert_id,)
    ).fetchone()
    if row is None:
        raise ActionError("no such alert", status=404)
    audit = AuditLog(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE alerts SET status = ? WHERE id = ?", (status, alert_id))
        audit.append(
            actor,
            "alert_status",
            alert_id,
            {
                "from": row["status"],
                "to": status,
                "reason": default_scrub(text),
                "rule": row["rule"],
            },
        )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return str(row["status"])


def set_account_alerts_status(
    conn: sqlite3.Connection, account: str, status: str, actor: str, reason: str | None
) -> int:
    """Mark every open/acknowledged alert keyed on ``account``; returns how many changed.

    False positives feed the allow-list suggestions.

    Raises:
        ActionError: unknown status, or no open alert for the account (404).
    """
    if status not in ("investigated", "false_positive"):
        raise ActionError("status must be investigated or false_positive")
    text = _clean_reason(reason, required=status == "false_positive")
    audit = AuditLog(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids = [
            str(r[0])
            for r in conn.execute(
                "SELECT id FROM alerts WHERE json_extract(keys, '$.\"user.name\"') = ?"
                " AND status IN ('open', 'acknowledged')",
                (account,),
            )
        ]
        if not ids:
            raise ActionError("no open alert is keyed on this account", status=404)
        conn.executemany("UPDATE alerts SET status = ? WHERE id = ?", [(status, i) for i in ids])
        audit.append(  # the account by pseudonym (issue 12)
            actor,
            "account_status",
            pseudonym(conn, "account", account),
            {"to": status, "reason": default_scrub(text), "alerts": ids[:100], "count": len(ids)},
        )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return len(ids)
