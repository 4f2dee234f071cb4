"""Results of responses and how they are recorded in the store and the audit chain.

``ActionResult`` is what every action returns. ``record_alert``/``record_action``
write the ``alerts``/``actions`` rows and their audit entries in one transaction
each; ``call_with_retry`` retries only errors flagged ``retryable``; free text
(error messages) is stored scrubbed (``default_scrub``, failing closed).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shlex
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from logward_base.errors import LogwardError, RevokeError
from monitor._alert import Alert
from monitor._audit import AuditLog
from monitor._event import iso_time
from monitor._pseudonym import alert_audit, key_subjects, pseudonymise_value
from monitor.revokers import Revoker
from scrubber import get_default_scrubber

__all__ = [
    "OUTCOMES",
    "ActionResult",
    "call_with_retry",
    "default_scrub",
    "record_action",
    "record_alert",
    "reverse_command",
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
    """Call ``revoker.revoke``, retrying a ``retryable`` :class:`RevokeError` (linear backoff).

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
            if not (isinstance(exc, RevokeError) and exc.retryable) or attempt >= attempts:
                break
            sleep(backoff * attempt)
    return error


def reverse_command(account: str) -> str:
    """The exact command that undoes a revocation."""
    return f"logward accounts reinstate {shlex.quote(account)} --reason TEXT"


_FIELDS = tuple(f.name for f in fields(ActionResult))
