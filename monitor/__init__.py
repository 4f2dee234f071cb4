"""Access monitoring: parse access logs, detect attacks with rules/, respond."""

from monitor._alert import Alert
from monitor._event import ECS_FIELDS, AccessEvent

__all__ = ["ECS_FIELDS", "AccessEvent", "Alert"]
