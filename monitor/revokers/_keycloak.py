"""Revoke through Keycloak's admin REST API: disable the user and end its sessions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from logward_base.errors import RevokeError
from monitor._alert import Alert
from monitor.revokers._base import SecretRef, resolve_secret
from monitor.revokers._http import HttpClient
from monitor.revokers._spec import secret_field, string_field, url_field

__all__ = ["KeycloakRevoker"]


class KeycloakRevoker:
    """Disable (and log out) or enable a Keycloak user.

    A token is fetched with the client-credentials grant for every action
    (revocations are rare; a cached token could have expired).

    Args:
        name: the revoker's name in ``responses.yaml``.
        base_url: Keycloak's root URL, e.g. ``https://sso.example``.
        realm: the realm holding the users.
        client_id: a service-account client allowed to manage users.
        client_secret: where that client's secret lives.
        token_realm: the realm of the client (default: ``realm``).
        timeout: seconds per request.
    """

    REQUIRED: ClassVar[frozenset[str]] = frozenset(
        {"base_url", "realm", "client_id", "client_secret"}
    )
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"token_realm"})

    @classmethod
    def check_spec(cls, name: str, spec: Mapping[str, Any], *, file: str) -> dict[str, Any]:
        """``base_url``: http(s) URL; ``client_secret``: a secret reference; others: strings."""
        out: dict[str, Any] = {
            "base_url": url_field(file, name, "base_url", spec["base_url"]),
            "realm": string_field(file, name, "realm", spec["realm"]),
            "client_id": string_field(file, name, "client_id", spec["client_id"]),
            "client_secret": secret_field(file, name, "client_secret", spec["client_secret"]),
        }
        if "token_realm" in spec:
            out["token_realm"] = string_field(file, name, "token_realm", spec["token_realm"])
        return out

    @classmethod
    def from_spec(
        cls,
        name: str,
        spec: Mapping[str, Any],
        *,
        conn: sqlite3.Connection,
        clock: Callable[[], float],
    ) -> KeycloakRevoker:
        """Build from a checked spec."""
        return cls(
            name,
            spec["base_url"],
            spec["realm"],
            spec["client_id"],
            spec["client_secret"],
            spec.get("token_realm"),
            float(spec["timeout"]),
        )

    def __init__(
        self,
        name: str,
        base_url: str,
        realm: str,
        client_id: str,
        client_secret: SecretRef,
        token_realm: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.name = name
        self._http = HttpClient(name, base_url, timeout)
        self._realm = quote(realm, safe="")
        self._token_realm = quote(token_realm or realm, safe="")
        self._client_id = client_id
        self._client_secret = client_secret

    def _token(self) -> str:
        form = urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": resolve_secret(self._client_secret, self.name),
            }
        ).encode()
        _, answer = self._http.request(
            "POST",
            f"/realms/{self._token_realm}/protocol/openid-connect/token",
            body=form,
            headers={"content-type": "application/x-www-form-urlencoded"},
            what="token request",
        )
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise RevokeError(f"revoker {self.name!r}: token answer has no access_token")
        return token

    def _user_path(self, account: str, headers: dict[str, str]) -> str:
        query = urlencode({"username": account, "exact": "true"})
        _, users = self._http.request(
            "GET", f"/admin/realms/{self._realm}/users?{query}", headers=headers, what="user lookup"
        )
        if not isinstance(users, list):
            raise RevokeError(f"revoker {self.name!r}: user lookup answer is not a list")
        for user in users:
            found = user.get("username") if isinstance(user, dict) else None
            if isinstance(found, str) and found.lower() == account.lower() and "id" in user:
                return f"/admin/realms/{self._realm}/users/{quote(str(user['id']), safe='')}"
        raise RevokeError(f"revoker {self.name!r}: no Keycloak user with that username")

    def _set_enabled(self, account: str, enabled: bool) -> None:
        headers = {"authorization": "Bearer " + self._token()}
        path = self._user_path(account, headers)
        self._http.request(
            "PUT",
            path,
            body=json.dumps({"enabled": enabled}).encode(),
            headers={**headers, "content-type": "application/json"},
            what="PUT user",
        )
        if not enabled:
            self._http.request("POST", path + "/logout", headers=headers, what="POST logout")

    def revoke(self, account: str, alert: Alert) -> None:
        """Disable the user, then log out all its sessions."""
        self._set_enabled(account, False)

    def reinstate(self, account: str, reason: str) -> None:
        """Enable the user."""
        self._set_enabled(account, True)
