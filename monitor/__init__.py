"""Access monitoring: parse access logs, detect attacks with rules/, respond."""

from logward_base import parse_duration
from monitor._alert import Alert
from monitor._audit import GENESIS_HASH, AuditEntry, AuditLog, ChainStatus
from monitor._baseline import fit_baselines
from monitor._denylist import DenyList, denylist_text, normalize_ip, serve_denylist
from monitor._erase import erase_subject
from monitor._event import ECS_FIELDS, AccessEvent, iso_time
from monitor._partition_store import PartitionStore
from monitor._partitioned import GroupWindows, PartitionedWindows, kafka_origin
from monitor._pipeline import Pipeline, merge_by_time, record_alert
from monitor._pseudonym import (
    lookup_pseudonym,
    pseudonym,
    pseudonymise_fields,
    resolve_pseudonyms,
)
from monitor._retention import RetentionPolicy, RetentionScheduler, prune, store_stats
from monitor._rotate import new_store_key, rotate_store_key
from monitor._rules import Rule, load_rule_file, load_rules
from monitor._schema import DB_FILENAME, SCHEMA
from monitor._sources import FollowSource, KafkaSource, replay_file
from monitor._state import StateStore
from monitor._store import (
    STORE_ERRORS,
    STORE_LOCKED_ERRORS,
    encrypt_plaintext_store,
    open_store,
    store_key_of,
    store_path,
)
from monitor._storekey import (
    STORE_KEY_ENV,
    STORE_KEY_FILE_ENV,
    KeyRing,
    StoreKey,
    read_key_ring,
    resolve_store_key,
)
from monitor._subject import SubjectMatcher
from monitor.detect import (
    RULE_TYPES,
    DetectionEngine,
    LeakyEvaluator,
    RateEvaluator,
    RuleType,
    ThresholdEvaluator,
)
from monitor.respond import (
    ActionResult,
    Responder,
    ResponsesConfig,
    default_scrub,
    load_responses,
    load_revokers,
    parse_responses,
    reinstate,
)
from monitor.store import DASHBOARD_TABLES

__all__ = [
    "DASHBOARD_TABLES",
    "DB_FILENAME",
    "ECS_FIELDS",
    "GENESIS_HASH",
    "RULE_TYPES",
    "SCHEMA",
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
    "KeyRing",
    "LeakyEvaluator",
    "PartitionStore",
    "PartitionedWindows",
    "Pipeline",
    "RateEvaluator",
    "Responder",
    "ResponsesConfig",
    "RetentionPolicy",
    "RetentionScheduler",
    "Rule",
    "RuleType",
    "StateStore",
    "StoreKey",
    "SubjectMatcher",
    "ThresholdEvaluator",
    "default_scrub",
    "denylist_text",
    "encrypt_plaintext_store",
    "erase_subject",
    "fit_baselines",
    "iso_time",
    "kafka_origin",
    "load_responses",
    "load_revokers",
    "load_rule_file",
    "load_rules",
    "lookup_pseudonym",
    "merge_by_time",
    "new_store_key",
    "normalize_ip",
    "open_store",
    "parse_duration",
    "parse_responses",
    "prune",
    "pseudonym",
    "pseudonymise_fields",
    "read_key_ring",
    "record_alert",
    "reinstate",
    "replay_file",
    "resolve_pseudonyms",
    "resolve_store_key",
    "rotate_store_key",
    "serve_denylist",
    "store_key_of",
    "store_path",
    "store_stats",
]
