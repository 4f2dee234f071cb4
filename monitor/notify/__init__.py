"""Notification channels for the ``notify`` action: e-mail, chat webhooks, signed webhooks.

One module per concern: ``_config`` (the ``notify:`` section of
``responses.yaml``), ``_message`` (what a message says), ``_channels`` (one class
per channel type and the ``CHANNELS`` registry), ``_notifier`` (delivery).
"""

from monitor.notify._channels import (
    CHANNELS,
    Channel,
    DeliveryError,
    EmailChannel,
    SignedWebhookChannel,
    SlackChannel,
    build_channel,
)
from monitor.notify._config import ChannelSpec, NotifyConfig, parse_notify
from monitor.notify._message import NotifyMessage, build_message, digest_message
from monitor.notify._notifier import NOTIFICATIONS_TABLE, Notifier, notification_summary

__all__ = [
    "CHANNELS",
    "NOTIFICATIONS_TABLE",
    "Channel",
    "ChannelSpec",
    "DeliveryError",
    "EmailChannel",
    "Notifier",
    "NotifyConfig",
    "NotifyMessage",
    "SignedWebhookChannel",
    "SlackChannel",
    "build_channel",
    "build_message",
    "digest_message",
    "notification_summary",
    "parse_notify",
]
