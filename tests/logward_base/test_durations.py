"""The one duration parser: the union of the forms rules, responses, dashboard and flags took."""

from __future__ import annotations

import math

import pytest

from logward_base import parse_duration


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("250ms", 0.25),
        ("30s", 30.0),
        ("15m", 900.0),
        ("8h", 28800.0),
        ("1d", 86400.0),
        ("2w", 1209600.0),
        ("90", 90.0),
        (" 1.5 h ", 5400.0),
        (90, 90.0),
        (0.5, 0.5),
    ],
)
def test_accepts_every_form_a_caller_took(value, expected):
    """Numbers of seconds and numbers with ms/s/m/h/d/w (or no unit) are durations."""
    assert expected == parse_duration(value)


@pytest.mark.parametrize(
    "bad", ["5x", "-1m", "0s", "", "1e3s", True, None, 0, -5, math.nan, math.inf, [1]]
)
def test_rejects_with_a_value_error_naming_a_duration(bad):
    """Anything else is a ValueError mentioning 'duration', for the caller to wrap."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)
