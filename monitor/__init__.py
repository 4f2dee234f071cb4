"""Access monitoring: parse access logs, detect attacks with rules/, respond."""

from monitor._alert import Alert
from monitor._audit import GENESIS_HASH, AuditEntry, AuditLog, ChainStatus
from monitor._event import ECS_FIELDS, AccessEvent, iso_time
from monitor._store import open_store

__all__ = [
    "ECS_FIELDS",
    "GENESIS_HASH",
    "AccessEvent",
    "Alert",
    "AuditEntry",
    "AuditLog",
    "ChainStatus",
    "iso_time",
    "open_store",
]
