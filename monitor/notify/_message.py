"""What a notification says: built from the alert's structured fields, never from log text.

Only the rule, severity, counts, times, actions and outcomes, the deadline and
a dashboard link, plus the configured evidence fields (account, address),
optionally as keyed pseudonyms. Anything else in an alert's keys is withheld.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from monitor._alert import Alert
from monitor._event import iso_time
from monitor.notify._config import NotifyConfig

__all__ = ["NotifyMessage", "build_message", "digest_message"]


@dataclass(frozen=True, slots=True)
class NotifyMessage:
    """One notification: a subject, a plain-text body and the same facts as data."""

    subject: str
    text: str
    data: dict[str, Any]


def _evidence(config: NotifyConfig, keys: dict[str, str], key: bytes | None) -> dict[str, str]:
    out = {}
    for name, value in sorted(keys.items()):
        if name not in config.evidence_fields:
            out[name] = "[withheld]"
        elif key is not None:
            digest = hmac.new(key, f"{name}={value}".encode(), hashlib.sha256).hexdigest()
            out[name] = "pseud-" + digest[:12]
        else:
            out[name] = value
    return out


def build_message(
    config: NotifyConfig,
    alert: Alert,
    actions: Sequence[tuple[str, str]],
    created: float,
    pseudonym_key: bytes | None = None,
) -> NotifyMessage:
    """The message for one alert.

    Args:
        config: the notify settings.
        alert: the alert.
        actions: ``(action, outcome)`` pairs taken for it.
        created: when the alert was stored (the deadline runs from here).
        pseudonym_key: HMAC key when evidence is pseudonymised.
    """
    evidence = _evidence(config, dict(alert.keys), pseudonym_key)
    key_text = " ".join(f"{k}={v}" for k, v in evidence.items())
    link = config.dashboard_url.rstrip("/") + "/alerts/" + quote(alert.id, safe="")
    data: dict[str, Any] = {
        "alert_id": alert.id,
        "rule": alert.rule,
        "severity": alert.severity,
        "key": key_text,
        "evidence": evidence,
        "count": alert.count,
        "distinct": alert.distinct,
        "first_seen": iso_time(alert.first_seen),
        "last_seen": iso_time(alert.last_seen),
        "actions": [{"action": a, "outcome": o} for a, o in actions],
        "report_deadline": iso_time(created + config.deadline),
        "dashboard": link,
    }
    lines = [
        f"Rule:        {alert.rule}",
        f"Severity:    {alert.severity}",
        f"Key:         {key_text}",
        f"Count:       {alert.count}"
        + (f" ({alert.distinct} distinct)" if alert.distinct is not None else ""),
        f"First seen:  {data['first_seen']}",
        f"Last seen:   {data['last_seen']}",
        "Actions:     " + (", ".join(f"{a}: {o}" for a, o in actions) or "none"),
        f"Report by:   {data['report_deadline']} (breach-report deadline, "
        f"{config.deadline / 3600:g} h from discovery)",
        f"Dashboard:   {link}",
    ]
    subject = f"[logward] {alert.severity.upper()} {alert.rule} {key_text}"
    return NotifyMessage(subject[:200], "\n".join(lines) + "\n", data)


def digest_message(config: NotifyConfig, messages: Sequence[NotifyMessage]) -> NotifyMessage:
    """One message grouping repeats that arrived within the cool-down."""
    first = messages[0].data
    subject = f"[logward] digest: {len(messages)} more alerts for {first['rule']} {first['key']}"
    body = [f"{len(messages)} further alerts within the {config.cooldown / 60:g}-minute cool-down:"]
    for message in messages:
        d = message.data
        body.append(
            f"- {d['severity']} {d['rule']} {d['key']} count {d['count']}"
            f" {d['first_seen']}..{d['last_seen']} {d['dashboard']}"
        )
    data = {"digest": [m.data for m in messages], "rule": first["rule"], "key": first["key"]}
    return NotifyMessage(subject[:200], "\n".join(body) + "\n", data)
