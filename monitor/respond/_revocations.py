"""The store side of an account revocation: a cap slot first, then the revocations row.

The fleet-wide cap on automatic revocations is kept as slots in ``cap_claims``
(issue 14). A revocation first takes a slot in one write transaction, so several instances
sharing a store never exceed the cap together and never revoke one account
twice. There are two budgets: accounts the account store holds (``known``)
and names it has never seen (``unknown``), so forged evidence naming made-up
accounts cannot use up the budget of real ones. Slots record the account's
keyed pseudonym, never its name (erasure-proof).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

from monitor._alert import Alert
from monitor._pseudonym import pseudonym
from monitor._store import STORE_ERRORS
from monitor.respond._config import ResponsesConfig
from monitor.respond._record import ActionResult, transaction

__all__ = [
    "CLAIM_STALE_AFTER",
    "budget_of",
    "claim",
    "claimant",
    "record_revocation",
    "settle_claim",
]

# A cap slot left "pending" by an instance that died mid-revocation stops blocking
# its account after this long (clock seconds); it still counts towards the cap.
CLAIM_STALE_AFTER = 300.0


def claimant(conn: sqlite3.Connection, account: str) -> str:
    """The account's keyed pseudonym: what ``cap_claims`` records (erasure-proof)."""
    try:
        return pseudonym(conn, "account", account)
    except STORE_ERRORS:  # two instances made the pseudonym key at once: use theirs
        conn.rollback()
        return pseudonym(conn, "account", account)


def claim(
    conn: sqlite3.Connection,
    config: ResponsesConfig,
    base: ActionResult,
    account: str,
    who: str,
    alert_id: str,
    now: float,
) -> ActionResult:
    """Take a cap slot for ``account`` in one write transaction (fleet-wide; issue 14).

    Inside the transaction (SQLite's write lock; on PostgreSQL the store's
    advisory write lock) the account is checked again, the budget's slots in
    the window are counted and one is taken, so several instances sharing a
    store never exceed the cap together and never revoke one account twice.
    Returns ``base`` with its budget, or a ``skipped`` result.
    """
    with transaction(conn):
        row = conn.execute("SELECT state FROM revocations WHERE account = ?", (account,)).fetchone()
        if row is not None and row[0] == "revoked":
            return _replace(base, outcome="skipped", reason="already revoked: alert only")
        busy = conn.execute(
            "SELECT 1 FROM cap_claims WHERE account = ? AND state = 'pending' AND claimed_at > ?",
            (who, now - CLAIM_STALE_AFTER),
        ).fetchone()
        if busy is not None:
            return _replace(
                base, outcome="skipped", reason="being revoked by another instance: alert only"
            )
        budget = budget_of(conn, account)
        base = _replace(base, budget=budget)
        recent = conn.execute(
            "SELECT COUNT(*) FROM cap_claims WHERE action = ? AND budget = ?"
            " AND state IN ('pending', 'done') AND claimed_at > ?",
            (base.action, budget, now - config.cap_window),
        ).fetchone()[0]
        if recent >= config.cap_max:
            return _replace(
                base,
                outcome="skipped",
                reason=f"revocation cap reached ({config.cap_max} per "
                f"{config.cap_window:g}s for {budget} accounts): alert only",
            )
        conn.execute(
            "INSERT INTO cap_claims (account, action, budget, alert_id, state, claimed_at)"
            " VALUES (?, ?, ?, ?, 'pending', ?)",
            (who, base.action, budget, alert_id, now),
        )
    return base


def settle_claim(conn: sqlite3.Connection, who: str, state: str) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE cap_claims SET state = ? WHERE account = ? AND state = 'pending'",
            (state, who),
        )


def budget_of(conn: sqlite3.Connection, account: str) -> str:
    """Which cap budget a revocation draws on: ``known`` or ``unknown`` accounts.

    The cap has one budget per kind of account: those the account store
    already holds, and names it has never seen. Forged evidence can name any
    account, so made-up names (``ghost0``, ``ghost1``, ...) can only use up
    the ``unknown`` budget; revocations of real accounts keep theirs.
    """
    row = conn.execute("SELECT 1 FROM accounts WHERE name = ?", (account,)).fetchone()
    return "unknown" if row is None else "known"


def record_revocation(
    conn: sqlite3.Connection,
    base: ActionResult,
    account: str,
    who: str,
    alert: Alert,
    revoker: str,
    now: float,
) -> None:
    """Store a revocation that ``revoker`` carried out: the row, the account, the slot ``done``."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO revocations (account, state, mode, revoked_at, expires_at, alert_id,"
            " rule, revoker, offences) VALUES (?, 'revoked', ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(account) DO UPDATE SET state = 'revoked', mode = excluded.mode,"
            " revoked_at = excluded.revoked_at, expires_at = excluded.expires_at,"
            " alert_id = excluded.alert_id, rule = excluded.rule, revoker = excluded.revoker,"
            " offences = excluded.offences, reinstated_at = NULL, reinstated_by = NULL,"
            " reason = NULL",
            (account, base.mode, now, base.expires_at, alert.id, alert.rule, revoker,
             base.offences),
        )  # fmt: skip
        conn.execute(
            "UPDATE accounts SET active = 0, updated_at = ? WHERE name = ?", (now, account)
        )
        conn.execute(
            "UPDATE cap_claims SET state = 'done' WHERE account = ? AND state = 'pending'",
            (who,),
        )


def _replace(result: ActionResult, **changes: Any) -> ActionResult:
    return dataclasses.replace(result, **changes)
