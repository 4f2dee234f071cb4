"""The ``notify:`` section of ``responses.yaml``: channels, recipients, cool-down, privacy.

Example::

    notify:
      cooldown: 15m              # repeats of one (rule, key) within it become one digest
      critical: all              # channels every critical alert goes to: all | none | [names]
      dashboard_url: https://logward.example.internal/
      evidence_fields: [user.name, source.ip]
      pseudonymise: false        # true: evidence values become keyed pseudonyms
      pseudonym_key: {env: LOGWARD_NOTIFY_PSEUDONYM_KEY}
      retry: {attempts: 4, backoff: 500ms}
      channels:
        security-mail: {type: email, host: smtp.example.internal, port: 587,
                        sender: logward@example.internal, recipients: [secops@example.internal],
                        username: logward, password: {env: LOGWARD_SMTP_PASSWORD}}
        chat: {type: slack, url: {env: LOGWARD_SLACK_WEBHOOK_URL}}
        soc: {type: webhook, url: https://soc.example.internal/hooks/logward,
              secret: {env: LOGWARD_NOTIFY_WEBHOOK_SECRET}}

Secrets (SMTP password, webhook secret, chat webhook URL, pseudonym key) come
from ``{env: VAR}`` or ``{file: PATH}``, never from the file itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from logward_base.errors import RuleError
from monitor._duration import duration_field
from monitor.revokers import SecretRef

__all__ = ["ChannelSpec", "NotifyConfig", "parse_notify"]

EVIDENCE_FIELDS = ("user.name", "source.ip")
DASHBOARD_URL = "http://127.0.0.1:8080/"
# type -> (required keys, optional keys); secrets are marked in _SECRETS.
CHANNEL_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "email": (
        {"host", "sender", "recipients"},
        {"port", "starttls", "username", "password", "ca_file", "timeout"},
    ),
    "slack": ({"url"}, {"timeout"}),
    "webhook": ({"url", "secret"}, {"timeout"}),
}
_SECRETS = {"password", "secret"}


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One configured channel: its name, type and validated settings."""

    name: str
    type: str
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """The validated ``notify`` section (empty: no external notifications)."""

    channels: Mapping[str, ChannelSpec] = field(default_factory=dict)
    critical: tuple[str, ...] = ()
    cooldown: float = 900.0
    dashboard_url: str = DASHBOARD_URL
    evidence_fields: tuple[str, ...] = EVIDENCE_FIELDS
    pseudonymise: bool = False
    pseudonym_key: SecretRef | None = None
    attempts: int = 4
    backoff: float = 0.5
    deadline: float = 24 * 3600.0


def _keys(file: str, where: str, data: Any, allowed: set[str]) -> None:
    if not isinstance(data, Mapping):
        raise RuleError(file, None, where, "must be a mapping")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RuleError(
            file, None, f"{where}.{unknown[0]}", f"unknown key; allowed: {sorted(allowed)}"
        )


def _secret(file: str, where: str, value: Any) -> SecretRef:
    if isinstance(value, Mapping) and len(value) == 1:
        env, path = value.get("env"), value.get("file")
        if isinstance(env, str) and env:
            return SecretRef(env=env)
        if isinstance(path, str) and path:
            return SecretRef(file=path)
    raise RuleError(
        file, None, where, "literal secrets are not allowed: use {env: VAR} or {file: PATH}"
    )


def _url(file: str, where: str, value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise RuleError(file, None, where, "must be an http(s) URL")
    return str(value)


def _channel(file: str, name: str, raw: Any) -> ChannelSpec:
    where = f"notify.channels.{name}"
    if not isinstance(raw, Mapping) or raw.get("type") not in CHANNEL_KEYS:
        raise RuleError(file, None, f"{where}.type", f"must be one of {sorted(CHANNEL_KEYS)}")
    kind = str(raw["type"])
    required, optional = CHANNEL_KEYS[kind]
    _keys(file, where, raw, required | optional | {"type"})
    for key in sorted(required - set(raw)):
        raise RuleError(file, None, f"{where}.{key}", "is required")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "type":
            continue
        at = f"{where}.{key}"
        if key in _SECRETS:
            out[key] = _secret(file, at, value)
        elif key == "url":
            out[key] = (
                _secret(file, at, value) if isinstance(value, Mapping) else _url(file, at, value)
            )
        elif key == "recipients":
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and "@" in v and "\n" not in v for v in value)
            ):
                raise RuleError(file, None, at, "must be a non-empty list of e-mail addresses")
            out[key] = tuple(value)
        elif key in ("port",):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
                raise RuleError(file, None, at, "must be a port number")
            out[key] = value
        elif key == "starttls":
            if not isinstance(value, bool):
                raise RuleError(file, None, at, "must be true (default) or false")
            out[key] = value
        elif key == "timeout":
            out[key] = duration_field(value, file, None, at)
        else:
            if not isinstance(value, str) or not value or "\n" in value:
                raise RuleError(file, None, at, "must be a one-line string")
            out[key] = value
    return ChannelSpec(name, kind, out)


def parse_notify(data: Any, file: str) -> NotifyConfig:
    """Validate the ``notify`` section.

    Raises:
        RuleError: anything invalid, naming the file and field.
    """
    if data is None:
        return NotifyConfig()
    _keys(file, "notify", data, {
        "channels", "critical", "cooldown", "dashboard_url", "evidence_fields",
        "pseudonymise", "pseudonym_key", "retry", "deadline",
    })  # fmt: skip
    raw_channels = data.get("channels", {})
    if not isinstance(raw_channels, Mapping):
        raise RuleError(file, None, "notify.channels", "must be a mapping of name to channel")
    channels = {str(n): _channel(file, str(n), c) for n, c in raw_channels.items()}
    if "dashboard" in channels:
        raise RuleError(
            file, None, "notify.channels.dashboard", "is reserved (the dashboard itself)"
        )
    critical_raw = data.get("critical", "all")
    if critical_raw == "all":
        critical = tuple(channels)
    elif critical_raw == "none":
        critical = ()
    elif isinstance(critical_raw, list) and all(c in channels for c in critical_raw):
        critical = tuple(str(c) for c in critical_raw)
    else:
        raise RuleError(
            file, None, "notify.critical", "must be all, none or a list of channel names"
        )
    fields = data.get("evidence_fields", list(EVIDENCE_FIELDS))
    if not isinstance(fields, list) or not all(f in EVIDENCE_FIELDS for f in fields):
        raise RuleError(
            file, None, "notify.evidence_fields", f"must list fields among {list(EVIDENCE_FIELDS)}"
        )
    pseudo = data.get("pseudonymise", False)
    if not isinstance(pseudo, bool):
        raise RuleError(file, None, "notify.pseudonymise", "must be true or false")
    key = (
        _secret(file, "notify.pseudonym_key", data["pseudonym_key"])
        if "pseudonym_key" in data
        else None
    )
    if pseudo and key is None:
        raise RuleError(file, None, "notify.pseudonym_key", "is required when pseudonymise is true")
    retry = data.get("retry", {})
    _keys(file, "notify.retry", retry, {"attempts", "backoff"})
    attempts = retry.get("attempts", 4)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 20:
        raise RuleError(file, None, "notify.retry.attempts", "must be an integer from 1 to 20")
    return NotifyConfig(
        channels=channels,
        critical=critical,
        cooldown=duration_field(data.get("cooldown", "15m"), file, None, "notify.cooldown"),
        dashboard_url=_url(file, "notify.dashboard_url", data.get("dashboard_url", DASHBOARD_URL)),
        evidence_fields=tuple(fields),
        pseudonymise=pseudo,
        pseudonym_key=key,
        attempts=attempts,
        backoff=duration_field(retry.get("backoff", "500ms"), file, None, "notify.retry.backoff"),
        deadline=duration_field(data.get("deadline", "24h"), file, None, "notify.deadline"),
    )
