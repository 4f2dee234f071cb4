"""Access monitoring: parse access logs, detect attacks with rules/, respond."""

from monitor._alert import Alert
from monitor._audit import GENESIS_HASH, AuditEntry, AuditLog, ChainStatus
from monitor._denylist import DenyList, denylist_text, serve_denylist
from monitor._event import ECS_FIELDS, AccessEvent, iso_time
from monitor._respond import Responder
from monitor._respond_config import ResponsesConfig, load_responses
from monitor._respond_record import ActionResult, reinstate
from monitor._store import open_store

__all__ = [
    "ECS_FIELDS",
    "GENESIS_HASH",
    "AccessEvent",
    "ActionResult",
    "Alert",
    "AuditEntry",
    "AuditLog",
    "ChainStatus",
    "DenyList",
    "Responder",
    "ResponsesConfig",
    "denylist_text",
    "iso_time",
    "load_responses",
    "open_store",
    "reinstate",
    "serve_denylist",
]
