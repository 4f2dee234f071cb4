"""Load ``rules/responses.yaml``: which alerts get which actions, through which revokers.

Loading is strict: unknown keys, wrong types, literal secrets and references
to undefined revokers are :class:`RuleError` naming the file, the response and
the field. Durations are parsed here, once. The first response whose
``match`` fits an alert decides its actions (like a firewall rule list).
"""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from logward_base.errors import RuleError
from monitor._alert import Alert
from monitor._duration import duration_field
from monitor.notify import NotifyConfig, parse_notify
from monitor.revokers import check_revoker_spec

__all__ = [
    "ACTION_TYPES",
    "ActionSpec",
    "ResponseRule",
    "ResponsesConfig",
    "load_responses",
    "parse_responses",
]

ACTION_TYPES = ("alert_only", "deny_ip", "notify", "revoke_account")
SEVERITIES = ("low", "medium", "high", "critical")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action of a response.

    ``mode``/``duration`` apply to ``revoke_account`` (``duration`` also to
    ``deny_ip``: ``None`` there means until removed). ``escalate_after`` prior
    offences switch a revocation to ``escalate_mode``/``escalate_duration``.
    """

    type: str
    revoker: str | None = None
    account_fields: tuple[str, ...] = ("user.name", "user.id")
    ip_field: str = "source.ip"
    mode: str = "until_reviewed"
    duration: float | None = None
    escalate_after: int | None = 1
    escalate_mode: str = "until_reviewed"
    escalate_duration: float | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseRule:
    """A named response: a match on alerts and the actions to take."""

    name: str
    rules: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    dry_run: bool = False
    description: str = ""

    def matches(self, alert: Alert) -> bool:
        """Whether this response applies to ``alert``."""
        if self.rules and not any(fnmatch.fnmatchcase(alert.rule, g) for g in self.rules):
            return False
        if self.severities and alert.severity not in self.severities:
            return False
        return all(k in alert.keys for k in self.keys)


@dataclass(frozen=True, slots=True)
class ResponsesConfig:
    """The parsed ``responses.yaml``."""

    file: str
    version: str
    responses: tuple[ResponseRule, ...]
    revokers: Mapping[str, Mapping[str, Any]]
    allow_accounts: tuple[str, ...] = ()
    allow_cidrs: tuple[IPNetwork, ...] = ()
    cap_max: int = 5
    cap_window: float = 3600.0
    retry_backoff: float = 0.2
    denylist_file: str = "denylist.txt"
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    _default: ResponseRule = field(
        default=ResponseRule("default", actions=(ActionSpec("alert_only"),)), repr=False
    )

    def response_for(self, alert: Alert) -> ResponseRule:
        """The first response matching ``alert``; alert-only if none does."""
        for response in self.responses:
            if response.matches(alert):
                return response
        return self._default


def _keys(file: str, rule: str | None, where: str, data: Any, allowed: set[str]) -> None:
    if not isinstance(data, Mapping):
        raise RuleError(file, rule, where or None, "must be a mapping")
    for key in data:
        if key not in allowed:
            raise RuleError(file, rule, f"{where}.{key}" if where else str(key), "unknown key")


def _strings(file: str, rule: str | None, where: str, value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise RuleError(file, rule, where, "must be a string or a list of strings")
    return tuple(items)


def _action(file: str, rule: str, where: str, data: Any, revokers: Mapping[str, Any]) -> ActionSpec:
    allowed = {
        "type", "revoker", "account_field", "ip_field", "mode", "duration", "escalate", "channel",
    }  # fmt: skip
    _keys(file, rule, where, data, allowed)
    kind = data.get("type")
    if kind not in ACTION_TYPES:
        raise RuleError(file, rule, f"{where}.type", f"must be one of {list(ACTION_TYPES)}")
    kw: dict[str, Any] = {"type": kind}
    extra = set(data) - {"type"}
    per_type = {
        "revoke_account": {"revoker", "account_field", "mode", "duration", "escalate"},
        "deny_ip": {"ip_field", "duration"},
        "notify": {"channel"},
        "alert_only": set(),
    }[kind]
    for key in sorted(extra - per_type):
        raise RuleError(file, rule, f"{where}.{key}", f"not valid for {kind}")
    if "duration" in data and data["duration"] is not None:
        kw["duration"] = duration_field(data["duration"], file, rule, f"{where}.duration")
    if "ip_field" in data:
        kw["ip_field"] = _strings(file, rule, f"{where}.ip_field", data["ip_field"])[0]
    if "channel" in data:
        kw["channel"] = _strings(file, rule, f"{where}.channel", data["channel"])[0]
    if kind != "revoke_account":
        return ActionSpec(**kw)
    revoker = data.get("revoker")
    if revoker not in revokers:
        raise RuleError(file, rule, f"{where}.revoker", "must name a revoker under revokers:")
    kw["revoker"] = revoker
    if "account_field" in data:
        kw["account_fields"] = _strings(file, rule, f"{where}.account_field", data["account_field"])
    mode = data.get("mode", "until_reviewed")
    if mode not in ("temporary", "until_reviewed"):
        raise RuleError(file, rule, f"{where}.mode", "must be temporary or until_reviewed")
    kw["mode"] = mode
    if mode == "temporary" and kw.get("duration") is None:
        raise RuleError(file, rule, f"{where}.duration", "is required for mode temporary")
    escalate = data.get("escalate", {})
    if escalate is False:
        kw["escalate_after"] = None
    else:
        _keys(file, rule, f"{where}.escalate", escalate, {"after", "mode", "duration"})
        after = escalate.get("after", 1)
        if not isinstance(after, int) or isinstance(after, bool) or after < 1:
            raise RuleError(file, rule, f"{where}.escalate.after", "must be an integer >= 1")
        kw["escalate_after"] = after
        emode = escalate.get("mode", "until_reviewed")
        if emode not in ("temporary", "until_reviewed"):
            raise RuleError(
                file, rule, f"{where}.escalate.mode", "must be temporary or until_reviewed"
            )
        kw["escalate_mode"] = emode
        if "duration" in escalate:
            kw["escalate_duration"] = duration_field(
                escalate["duration"], file, rule, f"{where}.escalate.duration"
            )
        elif emode == "temporary":
            raise RuleError(file, rule, f"{where}.escalate.duration", "is required for temporary")
    return ActionSpec(**kw)


def _response(file: str, index: int, data: Any, revokers: Mapping[str, Any]) -> ResponseRule:
    name = data.get("name") if isinstance(data, Mapping) else None
    if not isinstance(name, str) or not name:
        raise RuleError(file, None, f"responses[{index}].name", "is required")
    _keys(file, name, "", data, {"name", "description", "match", "actions", "dry_run"})
    match = data.get("match", {})
    _keys(file, name, "match", match, {"rule", "severity", "key"})
    severities = _strings(file, name, "match.severity", match.get("severity", []))
    for sev in severities:
        if sev not in SEVERITIES:
            raise RuleError(file, name, "match.severity", f"must be among {list(SEVERITIES)}")
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        raise RuleError(file, name, "actions", "must be a non-empty list")
    dry_run = data.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise RuleError(file, name, "dry_run", "must be true or false")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise RuleError(file, name, "description", "must be a string")
    return ResponseRule(
        name=name,
        rules=_strings(file, name, "match.rule", match.get("rule", [])),
        severities=severities,
        keys=_strings(file, name, "match.key", match.get("key", [])),
        actions=tuple(
            _action(file, name, f"actions[{i}]", a, revokers) for i, a in enumerate(actions)
        ),
        dry_run=dry_run,
        description=description,
    )


def parse_responses(data: Any, file: str, version: str = "") -> ResponsesConfig:
    """Validate a parsed ``responses.yaml`` document.

    Args:
        data: the YAML document.
        file: its path, for errors.
        version: a content hash recorded in the audit trail.

    Raises:
        RuleError: anything invalid, naming file, response and field.
    """
    _keys(file, None, "", data, {"version", "settings", "allow", "revokers", "responses", "notify"})
    if data.get("version", 1) != 1:
        raise RuleError(file, None, "version", "must be 1")
    settings = data.get("settings", {})
    _keys(file, None, "settings", settings, {"cap", "retry_backoff", "denylist_file"})
    cap = settings.get("cap", {})
    _keys(file, None, "settings.cap", cap, {"max", "window"})
    cap_max = cap.get("max", 5)
    if not isinstance(cap_max, int) or isinstance(cap_max, bool) or cap_max < 0:
        raise RuleError(file, None, "settings.cap.max", "must be an integer >= 0")
    cap_window = duration_field(cap.get("window", "1h"), file, None, "settings.cap.window")
    backoff = duration_field(
        settings.get("retry_backoff", "200ms"), file, None, "settings.retry_backoff"
    )
    denylist_file = settings.get("denylist_file", "denylist.txt")
    if not isinstance(denylist_file, str) or not denylist_file:
        raise RuleError(file, None, "settings.denylist_file", "must be a file name")
    allow = data.get("allow", {})
    _keys(file, None, "allow", allow, {"accounts", "cidrs"})
    accounts = _strings(file, None, "allow.accounts", allow.get("accounts", []))
    cidrs: list[IPNetwork] = []
    for text in _strings(file, None, "allow.cidrs", allow.get("cidrs", [])):
        try:
            cidrs.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise RuleError(file, None, "allow.cidrs", "holds an invalid CIDR") from None
    raw_revokers = data.get("revokers", {})
    if not isinstance(raw_revokers, Mapping):
        raise RuleError(file, None, "revokers", "must be a mapping of name to config")
    revokers = {str(n): check_revoker_spec(file, str(n), s) for n, s in raw_revokers.items()}
    raw = data.get("responses", [])
    if not isinstance(raw, list):
        raise RuleError(file, None, "responses", "must be a list")
    responses = [_response(file, i, r, revokers) for i, r in enumerate(raw)]
    names = [r.name for r in responses]
    notify = parse_notify(data.get("notify"), file)
    _check_notify_channels(file, responses, notify)
    for name in names:
        if names.count(name) > 1:
            raise RuleError(file, name, "name", "is used by more than one response")
    return ResponsesConfig(
        file=file,
        version=version,
        responses=tuple(responses),
        revokers=revokers,
        allow_accounts=accounts,
        allow_cidrs=tuple(cidrs),
        cap_max=cap_max,
        cap_window=cap_window,
        retry_backoff=backoff,
        denylist_file=denylist_file,
        notify=notify,
    )


def _check_notify_channels(file: str, responses: list[ResponseRule], notify: NotifyConfig) -> None:
    for response in responses:
        for i, spec in enumerate(response.actions):
            if spec.type == "notify" and spec.channel not in (None, "dashboard", *notify.channels):
                raise RuleError(
                    file, response.name, f"actions[{i}].channel", "names no notify.channels entry"
                )


def load_responses(path: str | Path) -> ResponsesConfig:
    """Read and validate a ``responses.yaml`` file.

    Raises:
        RuleError: the file is unreadable, not YAML, or invalid.
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes()
        data = yaml.safe_load(raw)
    except OSError as exc:
        raise RuleError(file, None, None, f"cannot read: {exc.__class__.__name__}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RuleError(file, None, None, f"not valid YAML{where}") from None
    except RecursionError:
        raise RuleError(file, None, None, "not valid YAML: nested too deeply") from None
    return parse_responses(data or {}, file, hashlib.sha256(raw).hexdigest()[:12])
