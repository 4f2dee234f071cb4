"""The one duration parser: rules, ``responses.yaml``, the dashboard config and CLI flags.

Accepted forms: a number of seconds (``90``, ``1.5``) or a string of a number
with an optional unit, ``ms``, ``s``, ``m``, ``h``, ``d`` or ``w`` (``"250ms"``,
``"30s"``, ``"15m"``, ``"1h"``, ``"7d"``, ``"2w"``, ``"90"``). The result must be
positive and finite.

It raises a plain :class:`ValueError`, as ``float()`` does, because it does not
know where the value came from: every caller wraps it into a
:class:`~logward_base.errors.RuleError` or :class:`~logward_base.errors.ConfigError`
naming the file, rule and field (or the flag).
"""

from __future__ import annotations

import math
import re

__all__ = ["parse_duration"]

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0, None: 1.0}


def parse_duration(value: object) -> float:
    """Parse a duration into seconds.

    Args:
        value: a number of seconds or a string such as ``"15m"``.

    Returns:
        Seconds, greater than zero and finite.

    Raises:
        ValueError: the value is not a positive, finite duration.
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '5m'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _PATTERN.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise ValueError("expected a duration such as '30s', '5m', '1h' or '1d'")
    if not 0 < seconds < math.inf:  # NaN fails too
        raise ValueError("duration must be positive and finite")
    return seconds
