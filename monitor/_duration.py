"""Durations in ``responses.yaml`` and its revokers and notify channels, as RuleErrors.

A thin wrapper over :func:`logward_base.parse_duration` (the one parser) that names
the file, rule and field. Shared by ``monitor.respond``, ``monitor.revokers`` and
``monitor.notify``, so it sits below all three.
"""

from __future__ import annotations

from logward_base import parse_duration
from logward_base.errors import RuleError

__all__ = ["duration_field"]


def duration_field(value: object, file: str, rule: str | None, field: str) -> float:
    """Parse a duration into seconds, or fail naming where it came from.

    Args:
        value: a number of seconds or a string such as ``"15m"``.
        file, rule, field: where the value came from, for the error.

    Returns:
        Seconds, greater than zero.

    Raises:
        RuleError: the value is not a positive duration.
    """
    try:
        return parse_duration(value)
    except ValueError:
        raise RuleError(
            file, rule, field, "must be a positive finite duration like 30s, 15m, 1h, 7d"
        ) from None
