"""Access monitoring: parse access logs, detect attacks with rules/, respond."""

from monitor._alert import Alert
from monitor._audit import GENESIS_HASH, AuditEntry, AuditLog, ChainStatus
from monitor._denylist import DenyList, denylist_text, serve_denylist
from monitor._event import ECS_FIELDS, AccessEvent, iso_time
from monitor._pipeline import Pipeline
from monitor._respond import Responder
from monitor._respond_config import ResponsesConfig, load_responses
from monitor._respond_record import ActionResult, reinstate
from monitor._rules import Rule, load_rules
from monitor._sources import FollowSource, KafkaSource
from monitor._state import StateStore
from monitor._store import open_store
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
    "AccessEvent",
    "ActionResult",
    "Alert",
    "AuditEntry",
    "AuditLog",
    "ChainStatus",
    "DenyList",
    "DetectionEngine",
    "FollowSource",
    "KafkaSource",
    "LeakyEvaluator",
    "Pipeline",
    "RateEvaluator",
    "Responder",
    "ResponsesConfig",
    "Rule",
    "RuleType",
    "StateStore",
    "ThresholdEvaluator",
    "denylist_text",
    "iso_time",
    "load_responses",
    "load_rules",
    "open_store",
    "reinstate",
    "serve_denylist",
]
