"""Durations in ``responses.yaml`` and its revokers and notify channels.

``30s``, ``15m``, ``1h``, ``7d``, ``2w``, ``250ms`` or a number of seconds. Shared by
``monitor.respond``, ``monitor.revokers`` and ``monitor.notify``, so it sits below all three.
"""

from __future__ import annotations

import math
import re
from typing import Any

from logward_base.errors import RuleError

__all__ = ["parse_duration"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")


def parse_duration(value: Any, file: str, rule: str | None, field: str) -> float:
    """Parse a duration into seconds.

    Args:
        value: a number of seconds or a string such as ``"15m"``.
        file, rule, field: where the value came from, for the error.

    Returns:
        Seconds, greater than zero.

    Raises:
        RuleError: the value is not a positive duration.
    """
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        match = _PATTERN.match(value)
        if match:
            seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds is None or not 0 < seconds < math.inf:  # NaN fails too
        raise RuleError(
            file, rule, field, "must be a positive finite duration like 30s, 15m, 1h, 7d"
        )
    return seconds
