"""Notification channels, one class per kind, and the ``{type: class}`` registry.

- ``email``: SMTP with STARTTLS (stdlib ``smtplib``); plain text.
- ``slack``: a Slack- or Teams-compatible incoming webhook (``{"text": ...}``).
- ``webhook``: a generic JSON webhook signed the Standard Webhooks way (the
  webhook revoker's signer).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

from logward_base.errors import RevokeError
from monitor.notify._config import ChannelSpec
from monitor.notify._message import NotifyMessage
from monitor.revokers import HttpClient, SecretRef, resolve_secret, sign_webhook

__all__ = [
    "CHANNELS",
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "SignedWebhookChannel",
    "SlackChannel",
    "build_channel",
]


class DeliveryError(RevokeError):
    """A channel could not deliver a message (``retryable`` says whether to try again)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)


class Channel(Protocol):
    """Delivers one message; raises :class:`DeliveryError`."""

    name: str

    def send(self, message: NotifyMessage, msg_id: str) -> None:
        """Deliver ``message``; ``msg_id`` is stable across retries."""


class EmailChannel:
    """Send plain-text e-mail over SMTP, upgrading with STARTTLS (required unless turned off)."""

    def __init__(self, name: str, settings: Mapping[str, Any]) -> None:
        self.name = name
        self._host = str(settings["host"])
        self._port = int(settings.get("port", 587))
        self._sender = str(settings["sender"])
        self._to = tuple(settings["recipients"])
        self._starttls = bool(settings.get("starttls", True))
        self._user = settings.get("username")
        self._password: SecretRef | None = settings.get("password")
        self._ca = settings.get("ca_file")
        self._timeout = float(settings.get("timeout", 10.0))

    def send(self, message: NotifyMessage, msg_id: str) -> None:
        """See :class:`Channel`."""
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = ", ".join(self._to)
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{msg_id}@logward>"
        mail.set_content(message.text)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    context = ssl.create_default_context(cafile=self._ca)
                    smtp.starttls(context=context)
                if self._user and self._password is not None:
                    smtp.login(str(self._user), resolve_secret(self._password, self.name))
                smtp.send_message(mail)
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"channel {self.name!r}: the server does not offer STARTTLS", retryable=False
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"channel {self.name!r}: SMTP answered {exc.smtp_code}",
                retryable=exc.smtp_code >= 400 and exc.smtp_code < 500,
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"channel {self.name!r}: {exc.__class__.__name__}") from None


def _http(name: str, url: str, timeout: float) -> tuple[HttpClient, str]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return HttpClient(name, f"{parts.scheme}://{parts.netloc}", timeout), path


def _post(client: HttpClient, path: str, body: bytes, headers: dict[str, str], name: str) -> None:
    try:
        client.request("POST", path, body=body, headers=headers, what="POST notification")
    except RevokeError as exc:
        message = str(exc).replace("revoker", "channel", 1)
        raise DeliveryError(message, retryable=exc.retryable) from None


class SlackChannel:
    """POST ``{"text": ...}`` to a Slack/Teams-compatible incoming webhook."""

    def __init__(self, name: str, settings: Mapping[str, Any]) -> None:
        self.name = name
        self._url = settings["url"]
        self._timeout = float(settings.get("timeout", 10.0))

    def send(self, message: NotifyMessage, msg_id: str) -> None:
        """See :class:`Channel`."""
        url = (
            resolve_secret(self._url, self.name) if isinstance(self._url, SecretRef) else self._url
        )
        client, path = _http(self.name, str(url), self._timeout)
        body = json.dumps({"text": f"*{message.subject}*\n```{message.text}```"}).encode()
        _post(client, path, body, {"content-type": "application/json"}, self.name)


class SignedWebhookChannel:
    """POST the message's data as JSON, signed with Standard Webhooks headers."""

    def __init__(
        self, name: str, settings: Mapping[str, Any], clock: Callable[[], float] | None = None
    ) -> None:
        self.name = name
        self._client, self._path = _http(
            name, str(settings["url"]), float(settings.get("timeout", 10.0))
        )
        self._secret: SecretRef = settings["secret"]
        self._clock = clock or time.time

    def send(self, message: NotifyMessage, msg_id: str) -> None:
        """See :class:`Channel`."""
        event = {"type": "alert.notify", "subject": message.subject, "data": message.data}
        body = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        stamp = int(self._clock())
        signature = sign_webhook(resolve_secret(self._secret, self.name), msg_id, stamp, body)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": signature,
        }
        _post(self._client, self._path, body, headers, self.name)


CHANNELS: dict[str, Callable[[str, Mapping[str, Any]], Channel]] = {
    "email": EmailChannel,
    "slack": SlackChannel,
    "webhook": SignedWebhookChannel,
}


def build_channel(spec: ChannelSpec) -> Channel:
    """Build the channel a spec describes."""
    return CHANNELS[spec.type](spec.name, spec.settings)
