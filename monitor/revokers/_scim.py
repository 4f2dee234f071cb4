"""Revoke through SCIM 2.0 (RFC 7644): find the user, PATCH ``active`` to false."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from logward_base.errors import RevokeError
from monitor._alert import Alert
from monitor.revokers._base import SecretRef, resolve_secret
from monitor.revokers._http import HttpClient
from monitor.revokers._spec import secret_field, url_field

__all__ = ["ScimRevoker"]

_PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_CONTENT_TYPE = "application/scim+json"


class ScimRevoker:
    """Set a SCIM user's ``active`` attribute.

    Args:
        name: the revoker's name in ``responses.yaml``.
        base_url: the SCIM service root, e.g. ``https://idp.example/scim/v2``.
        token: where the bearer token lives.
        timeout: seconds per request.
    """

    REQUIRED: ClassVar[frozenset[str]] = frozenset({"base_url", "token"})
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def check_spec(cls, name: str, spec: Mapping[str, Any], *, file: str) -> dict[str, Any]:
        """``base_url``: an http(s) URL; ``token``: ``{env: VAR}`` or ``{file: PATH}``."""
        return {
            "base_url": url_field(file, name, "base_url", spec["base_url"]),
            "token": secret_field(file, name, "token", spec["token"]),
        }

    @classmethod
    def from_spec(
        cls,
        name: str,
        spec: Mapping[str, Any],
        *,
        conn: sqlite3.Connection,
        clock: Callable[[], float],
    ) -> ScimRevoker:
        """Build from a checked spec."""
        return cls(name, spec["base_url"], spec["token"], float(spec["timeout"]))

    def __init__(self, name: str, base_url: str, token: SecretRef, timeout: float = 5.0) -> None:
        self.name = name
        self._http = HttpClient(name, base_url, timeout)
        self._token = token

    def _headers(self) -> dict[str, str]:
        return {
            "authorization": "Bearer " + resolve_secret(self._token, self.name),
            "accept": _CONTENT_TYPE,
            "content-type": _CONTENT_TYPE,
        }

    def _user_id(self, account: str, headers: dict[str, str]) -> str:
        escaped = account.replace("\\", "\\\\").replace('"', '\\"')
        query = quote(f'userName eq "{escaped}"', safe="")
        _, found = self._http.request(
            "GET", f"/Users?filter={query}", headers=headers, what="GET /Users?filter"
        )
        resources = found.get("Resources") if isinstance(found, dict) else None
        if not resources or not isinstance(resources[0], dict) or "id" not in resources[0]:
            raise RevokeError(f"revoker {self.name!r}: no SCIM user with that userName")
        return str(resources[0]["id"])

    def _set_active(self, account: str, active: bool) -> None:
        headers = self._headers()
        user_id = self._user_id(account, headers)
        body = {
            "schemas": [_PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": active}],
        }
        self._http.request(
            "PATCH",
            f"/Users/{quote(user_id, safe='')}",
            body=json.dumps(body).encode(),
            headers=headers,
            what="PATCH /Users/{id}",
        )

    def revoke(self, account: str, alert: Alert) -> None:
        """PATCH the user ``active: false``."""
        self._set_active(account, False)

    def reinstate(self, account: str, reason: str) -> None:
        """PATCH the user ``active: true``."""
        self._set_active(account, True)
