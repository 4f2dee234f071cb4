"""Read one revoker's fields from ``responses.yaml``: the checks every revoker class shares.

A revoker class's ``check_spec`` calls these for its own fields. Each raises
:class:`RuleError` naming the file, the field (``revokers.<name>.<key>``) and
what is wrong, never the value (it may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from logward_base.errors import RuleError
from monitor.revokers._base import SecretRef

__all__ = ["argv_field", "secret_field", "string_field", "url_field"]


def secret_field(file: str, name: str, key: str, value: Any) -> SecretRef:
    """A secret given as ``{env: VAR}`` or ``{file: PATH}``; literal secrets are refused.

    Raises:
        RuleError: a literal value, or not exactly one of ``env``/``file``.
    """
    where = f"revokers.{name}.{key}"
    if not isinstance(value, Mapping):
        raise RuleError(
            file, None, where, "literal secrets are not allowed: use {env: VAR} or {file: PATH}"
        )
    if set(value) not in ({"env"}, {"file"}) or not isinstance(next(iter(value.values())), str):
        raise RuleError(file, None, where, "must be exactly one of {env: VAR} or {file: PATH}")
    return SecretRef(env=value.get("env"), file=value.get("file"))


def url_field(file: str, name: str, key: str, value: Any) -> str:
    """An ``http(s)`` URL with a host and no credentials in it.

    Raises:
        RuleError: not an http(s) URL, or it holds a user name or password.
    """
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleError(file, None, f"revokers.{name}.{key}", "must be an http(s) URL")
    if parts.username or parts.password:
        raise RuleError(file, None, f"revokers.{name}.{key}", "credentials in URLs are not allowed")
    return str(value)


def argv_field(
    file: str, name: str, key: str, value: Any, placeholders: Collection[str]
) -> list[str]:
    """A non-empty argv list whose ``{placeholders}`` are all among ``placeholders``.

    Raises:
        RuleError: not a non-empty list of strings, or an unknown placeholder.
    """
    where = f"revokers.{name}.{key}"
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        raise RuleError(file, None, where, "must be a non-empty list of strings")
    for arg in value:
        for placeholder in re.findall(r"\{([^{}]*)\}", arg):
            if placeholder not in placeholders:
                raise RuleError(file, None, where, f"unknown placeholder {{{placeholder}}}")
    return list(value)


def string_field(file: str, name: str, key: str, value: Any) -> str:
    """A non-empty string.

    Raises:
        RuleError: anything else.
    """
    if not isinstance(value, str) or not value:
        raise RuleError(file, None, f"revokers.{name}.{key}", "must be a non-empty string")
    return value
