"""Access monitoring: parse access logs, detect attacks with rules/, respond."""

from monitor._alert import Alert
from monitor._audit import GENESIS_HASH, AuditEntry, AuditLog, ChainStatus
from monitor._denylist import DenyList, denylist_text, serve_denylist
from monitor._event import ECS_FIELDS, AccessEvent, iso_time
from monitor._partition_store import PartitionStore
from monitor._partitioned import GroupWindows, PartitionedWindows
from monitor._pipeline import Pipeline, record_alert
from monitor._pseudonym import (
    lookup_pseudonym,
    pseudonym,
    pseudonymise_fields,
    resolve_pseudonyms,
)
from monitor._respond import Responder
from monitor._respond_config import ResponsesConfig, load_responses
from monitor._respond_record import ActionResult, default_scrub, load_revokers, reinstate
from monitor._rules import Rule, load_rules
from monitor._sources import FollowSource, KafkaSource
from monitor._state import StateStore
from monitor._store import STORE_ERRORS, STORE_LOCKED_ERRORS, open_store, store_key_of, store_path
from monitor._storekey import STORE_KEY_ENV, STORE_KEY_FILE_ENV, StoreKey, resolve_store_key
from monitor.detect import (
    RULE_TYPES,
    DetectionEngine,
    LeakyEvaluator,
    RateEvaluator,
    RuleType,
    ThresholdEvaluator,
)

__all__ = [
    "ECS_FIELDS",
    "GENESIS_HASH",
    "RULE_TYPES",
    "STORE_ERRORS",
    "STORE_KEY_ENV",
    "STORE_KEY_FILE_ENV",
    "STORE_LOCKED_ERRORS",
    "AccessEvent",
    "ActionResult",
    "Alert",
    "AuditEntry",
    "AuditLog",
    "ChainStatus",
    "DenyList",
    "DetectionEngine",
    "FollowSource",
    "GroupWindows",
    "KafkaSource",
    "LeakyEvaluator",
    "PartitionStore",
    "PartitionedWindows",
    "Pipeline",
    "RateEvaluator",
    "Responder",
    "ResponsesConfig",
    "Rule",
    "RuleType",
    "StateStore",
    "StoreKey",
    "ThresholdEvaluator",
    "default_scrub",
    "denylist_text",
    "iso_time",
    "load_responses",
    "load_revokers",
    "load_rules",
    "lookup_pseudonym",
    "open_store",
    "pseudonym",
    "pseudonymise_fields",
    "record_alert",
    "reinstate",
    "resolve_pseudonyms",
    "resolve_store_key",
    "serve_denylist",
    "store_key_of",
    "store_path",
]
