"""The action stage of the monitor: turn an alert into responses, safely, with an audit trail.

``Responder.respond(alert)`` runs in the same event-processing step as the
detection that fired (no batching), so line → revocation call is one pass.
Safety rails, in order: idempotency (an alert id is handled once), the
allow-lists (break-glass accounts, trusted CIDRs), already-revoked accounts,
dry runs, and a cap on automatic revocations per window, one budget for accounts
the account store holds and one for names it has never seen (beyond it: alert only).
Every alert and every action is appended to the hash-chained audit log.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from logward_base.errors import RevokeError
from logward_base.paths import rules_dir
from monitor._alert import Alert
from monitor._audit import AuditLog
from monitor._denylist import DenyList, normalize_ip
from monitor._pseudonym import pseudonym
from monitor.notify import Notifier
from monitor.respond._config import ActionSpec, ResponseRule, ResponsesConfig, load_responses
from monitor.respond._record import (
    ActionResult,
    call_with_retry,
    default_scrub,
    record_action,
    record_alert,
    reverse_command,
    safe_error,
    transaction,
)
from monitor.respond._reinstate import reinstate
from monitor.respond._revocations import claim, claimant, record_revocation, settle_claim
from monitor.revokers import Revoker, build_revoker

__all__ = ["Responder"]

logger = logging.getLogger("monitor.respond")

# Deny-list expiry runs from respond() at most this often (clock seconds); account
# expiry runs on every alert (the revocations table is small).
IP_EXPIRY_EVERY = 30.0


def _data_dir_of(conn: sqlite3.Connection) -> Path | None:
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2]).parent
    return None


def _notifier_for(
    config: ResponsesConfig, conn: sqlite3.Connection, clock: Callable[[], float]
) -> Notifier | None:
    """The notifier for ``config``'s channels (``None`` when none are configured)."""
    base = _data_dir_of(conn)
    if not config.notify.channels:
        return None
    if base is None:
        logger.warning("notify channels are configured but the store is in memory: not sending")
        return None
    return Notifier(config.notify, base, clock=clock)


class Responder:
    """Apply ``responses.yaml`` to alerts.

    Args:
        config: the parsed responses file.
        conn: a connection from ``monitor.open_store``.
        clock: returns epoch seconds (event time in replay); drives the cap,
            expiry and every timestamp written.
        dry_run: simulate every action (outcome ``simulated``; nothing is called).
        revokers: revokers by name; default: built from ``config``.
        scrub: scrubs free text (error messages, reasons) before it is stored.
        sleep: waits between retries (injected for tests).
        denylist_path: the exported deny-list file; default ``settings.denylist_file``
            in the data directory.
    """

    def __init__(
        self,
        config: ResponsesConfig,
        conn: sqlite3.Connection,
        *,
        clock: Callable[[], float] = time.time,
        dry_run: bool = False,
        revokers: Mapping[str, Revoker] | None = None,
        scrub: Callable[[str], str] = default_scrub,
        sleep: Callable[[float], None] = time.sleep,
        denylist_path: str | Path | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.config = config
        self.dry_run = dry_run
        self._conn = conn
        self._clock = clock
        self._scrub = scrub
        self._sleep = sleep
        self._audit = AuditLog(conn, clock)
        if revokers is None:
            revokers = {n: build_revoker(n, s, conn, clock) for n, s in config.revokers.items()}
        self.revokers: dict[str, Revoker] = dict(revokers)
        if denylist_path is None:
            base = _data_dir_of(conn)
            denylist_path = base / config.denylist_file if base is not None else None
        self.denylist = DenyList(conn, denylist_path, clock)
        self.notifier = notifier if notifier is not None else _notifier_for(config, conn, clock)
        self._next_ip_expiry = float("-inf")

    @classmethod
    def from_config(
        cls,
        path: str | Path | None,
        conn: sqlite3.Connection,
        *,
        clock: Callable[[], float] = time.time,
        dry_run: bool = False,
        scrub: Callable[[str], str] = default_scrub,
    ) -> Responder:
        """Load ``responses.yaml`` (``None``: the shipped one) and build a responder.

        Raises:
            RuleError: the file is invalid.
        """
        if path is None:
            path = rules_dir() / "responses.yaml"
        return cls(load_responses(path), conn, clock=clock, dry_run=dry_run, scrub=scrub)

    # -- the stage --------------------------------------------------------------------------

    def respond(self, alert: Alert) -> list[ActionResult]:
        """Handle one alert: record and audit it, then take (or simulate) its actions.

        Never raises for a revoker failure (recorded as ``failed``). Handling
        the same alert id again changes nothing and returns the stored results.
        """
        done = self._conn.execute(
            "SELECT detail FROM actions WHERE alert_id = ? ORDER BY id", (alert.id,)
        ).fetchall()
        if done:
            return [ActionResult.from_json(json.loads(row[0])) for row in done]
        response = self.config.response_for(alert)
        dry = self.dry_run or response.dry_run
        now = self._clock()
        if not self.dry_run:
            # Lapsed temporary revocations end before new alerts are judged, so a
            # returning offender is revoked again (escalated) rather than skipped.
            self._expire_accounts()
            if now >= self._next_ip_expiry:
                self._next_ip_expiry = now + IP_EXPIRY_EVERY
                self._expire_ips()
        context = self._context(alert, response, dry)
        record_alert(self._conn, self._audit, alert, context, dry, now)
        results = []
        for spec in response.actions:
            try:
                result = self._act(alert, response, spec, dry)
            except Exception as exc:
                # e.g. the deny-list file cannot be written: record it, keep the pipeline going.
                logger.warning("action %s for alert %s failed", spec.type, alert.id, exc_info=False)
                error = safe_error(exc, self._scrub)
                result = ActionResult(alert.id, spec.type, alert.key_text, "failed", response.name,
                                      revoker=spec.revoker, error=error)  # fmt: skip
            record_action(self._conn, self._audit, result, context, self._clock())
            results.append(result)
        if self.notifier is not None and not self.dry_run:
            named = [s.channel or "" for s in response.actions if s.type == "notify"]
            channels = self.notifier.channels_for(alert, named)
            self.notifier.submit(alert, [(r.action, r.outcome) for r in results], channels)
        return results

    def expire_due(self) -> list[ActionResult]:
        """Reinstate temporary revocations and drop deny-list entries whose time is up.

        Reinstatements use actor ``monitor`` and reason ``expired``. A revoker
        failure leaves the account revoked (tried again on the next call).
        ``respond()`` also does this itself (unless in global dry-run); call it
        periodically too so expiry happens in quiet periods without alerts.
        """
        return self._expire_accounts() + self._expire_ips()

    def _expire_accounts(self) -> list[ActionResult]:
        out: list[ActionResult] = []
        rows = self._conn.execute(
            "SELECT account FROM revocations WHERE state = 'revoked' AND mode = 'temporary'"
            " AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at",
            (self._clock(),),
        ).fetchall()
        for (account,) in rows:
            try:
                # The reason is our own constant: nothing to scrub.
                out.append(
                    reinstate(
                        self._conn, account, "monitor", "expired", self.revokers,
                        clock=self._clock, scrub=str,
                    )
                )  # fmt: skip
            except RevokeError as exc:
                logger.warning("expiry of a revocation failed: %s", exc.__class__.__name__)
        return out

    def _expire_ips(self) -> list[ActionResult]:
        out: list[ActionResult] = []
        for ip in self.denylist.expire_due():
            subject = pseudonym(self._conn, "ip", ip)  # issue 12: audit by pseudonym
            self._audit.append("monitor", "deny_ip_expired", subject, {"outcome": "done"})
            out.append(ActionResult("", "deny_ip_expired", ip, "done", reason="expired"))
        return out

    def reinstate(self, account: str, actor: str, reason: str) -> ActionResult:
        """Reinstate ``account`` through this responder's revokers (see ``reinstate``)."""
        return reinstate(
            self._conn,
            account,
            actor,
            reason,
            self.revokers,
            clock=self._clock,
            scrub=self._scrub,
        )

    # -- internals ---------------------------------------------------------------------------

    def _context(self, alert: Alert, response: ResponseRule, dry: bool) -> dict[str, Any]:
        data = alert.to_json()
        return {
            "alert_id": alert.id,
            "rule": alert.rule,
            "rule_version": alert.rule_version,
            "severity": alert.severity,
            "keys": dict(alert.keys),
            "evidence": {
                "count": alert.count,
                "distinct": alert.distinct,
                "window_seconds": alert.window,
                "first_seen": data["first_seen"],
                "last_seen": data["last_seen"],
                "events": data["evidence"],
            },
            "response": response.name,
            "responses_version": self.config.version,
            "dry_run": dry,
        }

    def _trusted(self, alert: Alert) -> bool:
        text = alert.keys.get("source.ip")
        ip = normalize_ip(text) if text else None
        if ip is None or "/" in ip:
            return False
        addr = ipaddress.ip_address(ip)
        return any(addr in net for net in self.config.allow_cidrs)

    def _act(
        self, alert: Alert, response: ResponseRule, spec: ActionSpec, dry: bool
    ) -> ActionResult:
        base = ActionResult(alert.id, spec.type, alert.key_text, "done", response.name)
        if spec.type == "revoke_account":
            account = next((alert.keys[f] for f in spec.account_fields if f in alert.keys), None)
            if account is not None:
                return self._revoke(alert, spec, dry, base, account)
            if spec.ip_field in alert.keys:
                # IP-keyed alerts go to the deny-list, never to an account revocation.
                return self._deny(alert, spec, dry, base, route="ip-keyed alert: deny-list")
            return _replace(base, outcome="skipped", reason="alert has no account or address key")
        if spec.type == "deny_ip":
            return self._deny(alert, spec, dry, base)
        if spec.type == "notify":
            return _replace(base, reason=f"notify {spec.channel or 'dashboard'}")
        return base

    def _deny(
        self, alert: Alert, spec: ActionSpec, dry: bool, base: ActionResult, route: str = ""
    ) -> ActionResult:
        base = _replace(base, action="deny_ip", reason=route)
        text = alert.keys.get(spec.ip_field)
        ip = normalize_ip(text) if text else None
        if ip is None:
            return _replace(base, outcome="skipped", reason="alert has no valid address key")
        base = _replace(base, target=ip, reverse=f"logward accounts unblock-ip {ip} --reason TEXT")
        if self._trusted(alert):
            return _replace(base, outcome="skipped", reason="address in a trusted CIDR")
        expires = self._clock() + spec.duration if spec.duration else None
        base = _replace(base, expires_at=expires)
        if dry:
            return _replace(base, outcome="simulated")
        if self.denylist.contains(ip):
            return _replace(base, outcome="skipped", reason="address already deny-listed")
        self.denylist.add(ip, expires_at=expires, alert_id=alert.id, rule=alert.rule)
        return base

    def _revoke(
        self, alert: Alert, spec: ActionSpec, dry: bool, base: ActionResult, account: str
    ) -> ActionResult:
        base = _replace(base, target=account, revoker=spec.revoker)
        if account in self.config.allow_accounts:
            return _replace(base, outcome="skipped", reason="account on the allow-list")
        if self._trusted(alert):
            return _replace(base, outcome="skipped", reason="address in a trusted CIDR")
        row = self._conn.execute(
            "SELECT state, offences, mode, expires_at FROM revocations WHERE account = ?",
            (account,),
        ).fetchone()
        if row is not None and row[0] == "revoked":
            return self._strengthen(alert, spec, dry, base, account, row[2], row[3])
        prior = int(row[1]) if row is not None else 0
        mode, duration = spec.mode, spec.duration
        escalated = spec.escalate_after is not None and prior >= spec.escalate_after
        if escalated:
            mode, duration = spec.escalate_mode, spec.escalate_duration
        now = self._clock()
        expires = now + duration if mode == "temporary" and duration else None
        base = _replace(
            base,
            mode=mode,
            expires_at=expires,
            offences=prior + 1,
            reverse=reverse_command(account),
            reason="repeat offence: escalated" if escalated else "",
        )
        if dry:
            return _replace(base, outcome="simulated")
        who = claimant(self._conn, account)
        claimed = claim(self._conn, self.config, base, account, who, alert.id, now)
        if claimed.outcome == "skipped":
            return claimed
        base = claimed
        revoker = self.revokers.get(spec.revoker or "")
        if revoker is None:
            settle_claim(self._conn, who, "released")
            return _replace(base, outcome="failed", error="RevokeError: revoker not built")
        attempts = int(self.config.revokers.get(revoker.name, {}).get("retry_attempts", 1))
        error = call_with_retry(
            revoker, account, alert, attempts, self.config.retry_backoff, self._sleep, self._scrub
        )
        if error is not None:
            settle_claim(self._conn, who, "released")
            return _replace(base, outcome="failed", error=error)
        record_revocation(self._conn, base, account, who, alert, revoker.name, now)
        return base

    def _strengthen(
        self,
        alert: Alert,
        spec: ActionSpec,
        dry: bool,
        base: ActionResult,
        account: str,
        mode: str,
        expires_at: float | None,
    ) -> ActionResult:
        """An already revoked account: never revoke twice, but never let a graver
        alert expire with a milder revocation (e.g. compromise during a temporary one)."""
        new_expires = (
            self._clock() + spec.duration if spec.mode == "temporary" and spec.duration else None
        )
        longer = expires_at is not None and (new_expires is None or new_expires > expires_at)
        if mode != "temporary" or not longer:
            return _replace(base, outcome="skipped", reason="account already revoked")
        target_mode = "until_reviewed" if new_expires is None else "temporary"
        base = _replace(
            base,
            mode=target_mode,
            expires_at=new_expires,
            reverse=reverse_command(account),
            reason=f"already revoked: extended to {target_mode}",
        )
        if dry:
            return _replace(base, outcome="simulated")
        with transaction(self._conn):
            self._conn.execute(
                "UPDATE revocations SET mode = ?, expires_at = ? WHERE account = ?",
                (target_mode, new_expires, account),
            )
        return base


def _replace(result: ActionResult, **changes: Any) -> ActionResult:
    return dataclasses.replace(result, **changes)
