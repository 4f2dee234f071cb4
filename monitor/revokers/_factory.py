"""Build revokers from the ``revokers:`` section of ``responses.yaml`` (strictly)."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from logward_base.errors import RuleError
from monitor._duration import parse_duration
from monitor.revokers._base import Revoker, SecretRef
from monitor.revokers._command import PLACEHOLDERS, CommandRevoker
from monitor.revokers._keycloak import KeycloakRevoker
from monitor.revokers._scim import ScimRevoker
from monitor.revokers._sqlite import SqliteRevoker
from monitor.revokers._webhook import WebhookRevoker

__all__ = ["REVOKER_TYPES", "build_revoker", "check_revoker_spec"]

_COMMON = {"type", "timeout", "retry_attempts"}
REVOKER_TYPES: dict[str, tuple[set[str], set[str]]] = {
    # type: (required keys, optional keys)
    "sqlite": (set(), set()),
    "webhook": ({"url", "secret"}, set()),
    "scim": ({"base_url", "token"}, set()),
    "keycloak": ({"base_url", "realm", "client_id", "client_secret"}, {"token_realm"}),
    "command": ({"revoke_argv", "reinstate_argv"}, set()),
}
_SECRET_KEYS = {"secret", "token", "client_secret"}


def _secret(file: str, name: str, key: str, value: Any) -> SecretRef:
    where = f"revokers.{name}.{key}"
    if not isinstance(value, Mapping):
        raise RuleError(
            file, None, where, "literal secrets are not allowed: use {env: VAR} or {file: PATH}"
        )
    if set(value) not in ({"env"}, {"file"}) or not isinstance(next(iter(value.values())), str):
        raise RuleError(file, None, where, "must be exactly one of {env: VAR} or {file: PATH}")
    return SecretRef(env=value.get("env"), file=value.get("file"))


def _url(file: str, name: str, key: str, value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleError(file, None, f"revokers.{name}.{key}", "must be an http(s) URL")
    if parts.username or parts.password:
        raise RuleError(file, None, f"revokers.{name}.{key}", "credentials in URLs are not allowed")
    return str(value)


def _argv(file: str, name: str, key: str, value: Any) -> list[str]:
    where = f"revokers.{name}.{key}"
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        raise RuleError(file, None, where, "must be a non-empty list of strings")
    for arg in value:
        for placeholder in re.findall(r"\{([^{}]*)\}", arg):
            if placeholder not in PLACEHOLDERS:
                raise RuleError(file, None, where, f"unknown placeholder {{{placeholder}}}")
    return list(value)


def check_revoker_spec(file: str, name: str, spec: Any) -> dict[str, Any]:
    """Validate one revoker's config and return it with parsed values.

    Raises:
        RuleError: unknown type or key, missing key, literal secret, bad URL/argv.
    """
    if not isinstance(spec, Mapping):
        raise RuleError(file, None, f"revokers.{name}", "must be a mapping")
    kind = spec.get("type")
    if kind not in REVOKER_TYPES:
        raise RuleError(
            file, None, f"revokers.{name}.type", f"must be one of {sorted(REVOKER_TYPES)}"
        )
    required, optional = REVOKER_TYPES[kind]
    for key in spec:
        if key not in required | optional | _COMMON:
            raise RuleError(file, None, f"revokers.{name}.{key}", "unknown key")
    for key in sorted(required - set(spec)):
        raise RuleError(file, None, f"revokers.{name}.{key}", "is required")
    out: dict[str, Any] = {"type": kind}
    out["timeout"] = parse_duration(
        spec.get("timeout", "5s"), file, None, f"revokers.{name}.timeout"
    )
    attempts = spec.get("retry_attempts", 2)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 5:
        raise RuleError(file, None, f"revokers.{name}.retry_attempts", "must be an integer 1..5")
    out["retry_attempts"] = attempts
    for key in required | optional:
        if key not in spec:
            continue
        value = spec[key]
        if key in _SECRET_KEYS:
            out[key] = _secret(file, name, key, value)
        elif key in ("url", "base_url"):
            out[key] = _url(file, name, key, value)
        elif key.endswith("_argv"):
            out[key] = _argv(file, name, key, value)
        elif not isinstance(value, str) or not value:
            raise RuleError(file, None, f"revokers.{name}.{key}", "must be a non-empty string")
        else:
            out[key] = value
    return out


def build_revoker(
    name: str,
    spec: Mapping[str, Any],
    conn: sqlite3.Connection,
    clock: Callable[[], float] = time.time,
) -> Revoker:
    """Instantiate a revoker from a spec returned by :func:`check_revoker_spec`."""
    kind = spec["type"]
    timeout = float(spec["timeout"])
    if kind == "webhook":
        # webhook-timestamp is wall-clock time even in replay (receivers check it).
        return WebhookRevoker(name, spec["url"], spec["secret"], timeout)
    if kind == "scim":
        return ScimRevoker(name, spec["base_url"], spec["token"], timeout)
    if kind == "keycloak":
        return KeycloakRevoker(
            name,
            spec["base_url"],
            spec["realm"],
            spec["client_id"],
            spec["client_secret"],
            spec.get("token_realm"),
            timeout,
        )
    if kind == "command":
        return CommandRevoker(name, spec["revoke_argv"], spec["reinstate_argv"], timeout)
    return SqliteRevoker(conn, name, clock)
