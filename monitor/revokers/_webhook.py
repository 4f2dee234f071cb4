"""Revoke by POSTing a signed event to a webhook (Standard Webhooks signatures).

Headers: ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, keyed
by the base64 part of a ``whsec_...`` secret. The id is stable across retries
of one delivery so the receiver can de-duplicate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from logward_base.errors import RevokeError
from monitor._alert import Alert
from monitor._event import iso_time
from monitor.revokers._base import SecretRef, resolve_secret
from monitor.revokers._http import HttpClient
from monitor.revokers._spec import secret_field, url_field

__all__ = ["WebhookRevoker", "sign_webhook"]


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``webhook-signature`` header value for one delivery.

    Args:
        secret: ``whsec_`` followed by the base64 key (the prefix is optional).
        msg_id: the ``webhook-id`` header value.
        timestamp: the ``webhook-timestamp`` header value.
        body: the exact request body.

    Raises:
        RevokeError: the secret is not valid base64.
    """
    encoded = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise RevokeError("webhook secret is not whsec_<base64>") from None
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookRevoker:
    """POST ``account.revoke`` / ``account.reinstate`` events to a URL.

    Args:
        name: the revoker's name in ``responses.yaml``.
        url: the endpoint.
        secret: where the ``whsec_`` signing secret lives.
        timeout: seconds per request.
        clock: returns epoch seconds (for ``webhook-timestamp``).
    """

    REQUIRED: ClassVar[frozenset[str]] = frozenset({"url", "secret"})
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def check_spec(cls, name: str, spec: Mapping[str, Any], *, file: str) -> dict[str, Any]:
        """``url``: an http(s) URL; ``secret``: ``{env: VAR}`` or ``{file: PATH}``."""
        return {
            "url": url_field(file, name, "url", spec["url"]),
            "secret": secret_field(file, name, "secret", spec["secret"]),
        }

    @classmethod
    def from_spec(
        cls,
        name: str,
        spec: Mapping[str, Any],
        *,
        conn: sqlite3.Connection,
        clock: Callable[[], float],
    ) -> WebhookRevoker:
        """Build from a checked spec (``clock`` unused: see below)."""
        # webhook-timestamp is wall-clock time even in replay (receivers check it).
        return cls(name, spec["url"], spec["secret"], float(spec["timeout"]))

    def __init__(
        self,
        name: str,
        url: str,
        secret: SecretRef,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        parts = urlsplit(url)
        self._path = parts.path or "/"
        if parts.query:
            self._path += "?" + parts.query
        self._http = HttpClient(name, f"{parts.scheme}://{parts.netloc}", timeout)
        self._secret = secret
        self._clock = clock

    def _send(self, msg_id: str, event: dict[str, Any]) -> None:
        body = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        stamp = int(self._clock())
        signature = sign_webhook(resolve_secret(self._secret, self.name), msg_id, stamp, body)
        self._http.request(
            "POST",
            self._path,
            body=body,
            headers={
                "content-type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature,
            },
            what=f"POST {event['type']}",
        )

    def revoke(self, account: str, alert: Alert) -> None:
        """Send ``account.revoke`` with the alert as evidence."""
        msg_id = "msg_" + hashlib.sha256(f"revoke|{account}|{alert.id}".encode()).hexdigest()[:24]
        event = {
            "type": "account.revoke",
            "timestamp": iso_time(self._clock()),
            "data": {"account": account, "alert": alert.to_json()},
        }
        self._send(msg_id, event)

    def reinstate(self, account: str, reason: str) -> None:
        """Send ``account.reinstate`` with the reason."""
        event = {
            "type": "account.reinstate",
            "timestamp": iso_time(self._clock()),
            "data": {"account": account, "reason": reason},
        }
        self._send("msg_" + uuid.uuid4().hex, event)
