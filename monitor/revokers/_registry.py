"""The revoker registry: ``type`` in ``responses.yaml`` → the class that handles it.

Adding a kind of revoker is one new module with its class and one line in
:data:`REVOKERS`. Each class declares its fields (``REQUIRED``, ``OPTIONAL``),
checks their values (``check_spec``) and builds itself (``from_spec``); the
fields every revoker has (``type``, ``timeout``, ``retry_attempts``) are
checked here, once. Loading is strict: unknown keys are errors, and every
error is a :class:`RuleError` naming the file and ``revokers.<name>.<key>``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping
from typing import Any

from logward_base.errors import RuleError
from monitor._duration import duration_field
from monitor.revokers._base import Revoker, RevokerType
from monitor.revokers._command import CommandRevoker
from monitor.revokers._keycloak import KeycloakRevoker
from monitor.revokers._scim import ScimRevoker
from monitor.revokers._sqlite import SqliteRevoker
from monitor.revokers._webhook import WebhookRevoker

__all__ = ["REVOKERS", "build_revoker", "check_revoker_spec"]

#: Revoker classes by their ``type:`` in ``responses.yaml``.
REVOKERS: dict[str, RevokerType] = {
    "command": CommandRevoker,
    "keycloak": KeycloakRevoker,
    "scim": ScimRevoker,
    "sqlite": SqliteRevoker,
    "webhook": WebhookRevoker,
}

_COMMON = {"type", "timeout", "retry_attempts"}


def check_revoker_spec(file: str, name: str, spec: Any) -> dict[str, Any]:
    """Validate one revoker's config and return it with parsed values.

    Raises:
        RuleError: unknown type or key, missing key, literal secret, bad URL/argv.
    """
    if not isinstance(spec, Mapping):
        raise RuleError(file, None, f"revokers.{name}", "must be a mapping")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in REVOKERS:
        raise RuleError(file, None, f"revokers.{name}.type", f"must be one of {sorted(REVOKERS)}")
    cls = REVOKERS[kind]
    for key in spec:
        if key not in cls.REQUIRED | cls.OPTIONAL | _COMMON:
            raise RuleError(file, None, f"revokers.{name}.{key}", "unknown key")
    for key in sorted(cls.REQUIRED - set(spec)):
        raise RuleError(file, None, f"revokers.{name}.{key}", "is required")
    out: dict[str, Any] = {"type": kind}
    out["timeout"] = duration_field(
        spec.get("timeout", "5s"), file, None, f"revokers.{name}.timeout"
    )
    attempts = spec.get("retry_attempts", 2)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 5:
        raise RuleError(file, None, f"revokers.{name}.retry_attempts", "must be an integer 1..5")
    out["retry_attempts"] = attempts
    out.update(cls.check_spec(name, spec, file=file))
    return out


def build_revoker(
    name: str,
    spec: Mapping[str, Any],
    conn: sqlite3.Connection,
    clock: Callable[[], float] = time.time,
) -> Revoker:
    """Instantiate a revoker from a spec returned by :func:`check_revoker_spec`."""
    return REVOKERS[spec["type"]].from_spec(name, spec, conn=conn, clock=clock)
