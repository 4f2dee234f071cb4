"""The action stage of the monitor: alerts in, revocations, deny-list entries and notices out.

``Responder(config, conn).respond(alert)`` applies ``rules/responses.yaml``
(loaded strictly by :func:`load_responses`) to one alert, behind the safety
rails (idempotency, allow-lists, dry runs, the fleet-wide cap) and records
every alert and action in the store and the hash-chained audit log.
:func:`reinstate` undoes a revocation with a plain call (the CLI and the
dashboard use it). Revokers themselves live in :mod:`monitor.revokers`.

Modules: ``_config`` (the responses file), ``_responder`` (the stage),
``_revocations`` (cap slots and the revocations row), ``_record`` (results,
their rows and audit entries), ``_reinstate`` (reinstatement).
"""

from monitor.respond._config import (
    ACTION_TYPES,
    ActionSpec,
    ResponseRule,
    ResponsesConfig,
    load_responses,
    parse_responses,
)
from monitor.respond._record import OUTCOMES, ActionResult, default_scrub, record_alert
from monitor.respond._reinstate import load_revokers, reinstate
from monitor.respond._responder import Responder

__all__ = [
    "ACTION_TYPES",
    "OUTCOMES",
    "ActionResult",
    "ActionSpec",
    "Responder",
    "ResponseRule",
    "ResponsesConfig",
    "default_scrub",
    "load_responses",
    "load_revokers",
    "parse_responses",
    "record_alert",
    "reinstate",
]
