"""Results of responses, how they are recorded, and reinstatement.

Kept apart from the Responder so the dashboard and the CLI can reinstate an
account with a plain function call: ``reinstate(conn, account, actor, reason, revokers)``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shlex
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from logward_base.errors import ConfigError, LogwardError, RevokeError
from monitor._alert import Alert
from monitor._audit import AuditLog
from monitor._event import iso_time
from monitor._pseudonym import alert_audit, key_subjects, pseudonym, pseudonymise_value
from monitor.revokers._base import Revoker

__all__ = [
    "OUTCOMES",
    "ActionResult",
    "default_scrub",
    "load_revokers",
    "reinstate",
    "safe_error",
    "transaction",
]

OUTCOMES = ("done", "failed", "simulated", "skipped")
logger = logging.getLogger("monitor.respond")

_SCRUB_FAILED = "<SCRUB_FAILED>"


def default_scrub(text: str) -> str:
    """Scrub free text with the project's default scrubber; fail closed if it is unavailable.

    Returns:
        The scrubbed text, or ``<SCRUB_FAILED>`` if no scrubber could be built.
    """
    try:
        from scrubber import get_default_scrubber

        return get_default_scrubber().scrub_text(text)
    except Exception as exc:
        logger.warning("scrubber unavailable (%s); free text withheld", exc.__class__.__name__)
        return _SCRUB_FAILED


def safe_error(exc: BaseException, scrub: Callable[[str], str]) -> str:
    """Describe an error for storage: class name plus a scrubbed message.

    Our own errors carry no data by construction; anything else is scrubbed.
    """
    message = str(exc)
    if not isinstance(exc, LogwardError):
        message = scrub(message)
    return f"{exc.__class__.__name__}: {message}"[:500]


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What happened to one action of one alert.

    Attributes:
        outcome: ``done``, ``simulated`` (dry run), ``skipped`` (see ``reason``)
            or ``failed`` (see ``error``).
        reverse: how to undo it, e.g. the exact ``logward accounts reinstate`` command.
    """

    alert_id: str
    action: str
    target: str
    outcome: str
    response: str = ""
    revoker: str | None = None
    reason: str = ""
    mode: str | None = None
    expires_at: float | None = None
    offences: int | None = None
    error: str | None = None
    reverse: str = ""
    budget: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON object for ``monitor replay`` output and the ``actions`` table."""
        out = {f: getattr(self, f) for f in _FIELDS}  # flat scalars: no deep copy
        out["expires_at"] = iso_time(self.expires_at) if self.expires_at is not None else None
        out["expires_at_epoch"] = self.expires_at
        return {k: v for k, v in out.items() if v not in (None, "")}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActionResult:
        """Rebuild a result stored by :meth:`to_json`."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["expires_at"] = data.get("expires_at_epoch")
        return cls(**fields)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (rollback on error): one writer at a time."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def record_action(
    conn: sqlite3.Connection,
    audit: AuditLog,
    result: ActionResult,
    detail: Mapping[str, Any],
    now: float,
) -> None:
    """Insert the ``actions`` row and its audit entry in one transaction."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO actions (alert_id, action, target, revoker, outcome, detail, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                result.alert_id,
                result.action,
                result.target,
                result.revoker,
                result.outcome,
                json.dumps(result.to_json(), sort_keys=True),
                now,
            ),
        )
        # The audit vocabulary (monitor/_schema.py) calls a revocation "revoke".
        verb = "revoke" if result.action == "revoke_account" else result.action
        # Subjects by pseudonym (issue 12): the actions row keeps the raw target.
        keys = detail.get("keys") or {}
        own = {"revoke_account": "account", "deny_ip": "ip"}.get(result.action)
        subjects = key_subjects(keys) + ([(own, result.target)] if own else [])
        _, clean = alert_audit(conn, keys, {**detail, **result.to_json()})
        audit.append("monitor", verb, pseudonymise_value(conn, result.target, subjects), clean)


def record_alert(
    conn: sqlite3.Connection,
    audit: AuditLog,
    alert: Alert,
    context: Mapping[str, Any],
    dry: bool,
    now: float,
) -> None:
    """Insert the ``alerts`` row (if new) and its ``alert`` audit entry in one transaction."""
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO alerts (id, rule, rule_version, severity, keys, key_text,"
            " count, distinct_count, first_seen, last_seen, created_at, evidence, dry_run,"
            " labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alert.id,
                alert.rule,
                alert.rule_version,
                alert.severity,
                json.dumps(alert.keys, sort_keys=True),
                alert.key_text,
                alert.count,
                alert.distinct,
                alert.first_seen,
                alert.last_seen,
                now,
                json.dumps(context["evidence"], sort_keys=True),
                int(dry),
                json.dumps(alert.labels, sort_keys=True),
            ),
        )
        audit.append("monitor", "alert", *alert_audit(conn, alert.keys, context))


def call_with_retry(
    revoker: Revoker,
    account: str,
    alert: Alert,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    scrub: Callable[[str], str],
) -> str | None:
    """Call ``revoker.revoke``, retrying errors flagged ``retryable`` with linear backoff.

    Returns:
        ``None`` on success, else the stored form of the last error.
    """
    error = "RevokeError: no attempt made"
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            revoker.revoke(account, alert)
            return None
        except Exception as exc:
            error = safe_error(exc, scrub)
            logger.warning(
                "revocation for alert %s via %s failed (attempt %s): %s",
                alert.id,
                revoker.name,
                attempt,
                exc.__class__.__name__,
            )
            if not getattr(exc, "retryable", False) or attempt >= attempts:
                break
            sleep(backoff * attempt)
    return error


def reverse_command(account: str) -> str:
    """The exact command that undoes a revocation."""
    return f"logward accounts reinstate {shlex.quote(account)} --reason TEXT"


def load_revokers(
    conn: sqlite3.Connection,
    path: str | Path | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, Revoker]:
    """Build the revokers named in a ``responses.yaml`` (default: the shipped one).

    Raises:
        RuleError: the file is invalid.
    """
    from logward_base.paths import rules_dir
    from monitor._respond_config import load_responses
    from monitor.revokers._factory import build_revoker

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


_FIELDS = tuple(f.name for f in fields(ActionResult))
