"""Revokers: disable and re-enable accounts in identity systems.

Each has a ``name``, ``revoke(account, alert)`` and ``reinstate(account, reason)``
and raises :class:`logward_base.errors.RevokeError` (data-free message, with
``retryable``) on failure. HTTP revokers use only the stdlib, with no proxies
from the environment and no redirects.

:data:`REVOKERS` maps each ``type:`` of ``responses.yaml`` to its class (see
:class:`RevokerType`); a new kind is one module and one line there. The
``*_field`` helpers check a class's own fields with the file's error messages.
"""

from monitor.revokers._base import Revoker, RevokerType, SecretRef, resolve_secret
from monitor.revokers._command import CommandRevoker
from monitor.revokers._http import HttpClient
from monitor.revokers._keycloak import KeycloakRevoker
from monitor.revokers._registry import REVOKERS, build_revoker, check_revoker_spec
from monitor.revokers._scim import ScimRevoker
from monitor.revokers._spec import argv_field, secret_field, string_field, url_field
from monitor.revokers._sqlite import SqliteRevoker
from monitor.revokers._webhook import WebhookRevoker, sign_webhook

__all__ = [
    "REVOKERS",
    "CommandRevoker",
    "HttpClient",
    "KeycloakRevoker",
    "Revoker",
    "RevokerType",
    "ScimRevoker",
    "SecretRef",
    "SqliteRevoker",
    "WebhookRevoker",
    "argv_field",
    "build_revoker",
    "check_revoker_spec",
    "resolve_secret",
    "secret_field",
    "sign_webhook",
    "string_field",
    "url_field",
]
