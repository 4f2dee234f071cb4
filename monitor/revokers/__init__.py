"""Revokers: disable and re-enable accounts in identity systems.

Each has a ``name``, ``revoke(account, alert)`` and ``reinstate(account, reason)``
and raises :class:`logward_base.errors.RevokeError` (data-free message) on failure.
HTTP revokers use only the stdlib, with no proxies from the environment and
no redirects.
"""

from monitor.revokers._base import Revoker, SecretRef, resolve_secret
from monitor.revokers._command import CommandRevoker
from monitor.revokers._factory import REVOKER_TYPES, build_revoker, check_revoker_spec
from monitor.revokers._keycloak import KeycloakRevoker
from monitor.revokers._scim import ScimRevoker
from monitor.revokers._sqlite import SqliteRevoker
from monitor.revokers._webhook import WebhookRevoker, sign_webhook

__all__ = [
    "REVOKER_TYPES",
    "CommandRevoker",
    "KeycloakRevoker",
    "Revoker",
    "ScimRevoker",
    "SecretRef",
    "SqliteRevoker",
    "WebhookRevoker",
    "build_revoker",
    "check_revoker_spec",
    "resolve_secret",
    "sign_webhook",
]
