"""Rule and response files with non-finite numbers or absurd nesting are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from logward_base.errors import RuleError
from monitor import load_responses, load_rule_file, parse_duration, parse_responses

BASE = """\
name: t
type: threshold
severity: high
match: {event.outcome: failure}
group_by: [source.ip]
threshold: 3
"""
RATE = """\
name: r
type: rate
severity: low
match: {event.category: web}
group_by: [user.name]
window: 1m
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_parse_duration_rejects_non_finite(bad):
    """NaN and infinity are not durations."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@pytest.mark.parametrize("value", [".nan", ".inf"])
@pytest.mark.parametrize("key", ["window", "cooldown"])
def test_rule_with_non_finite_duration_names_the_field(tmp_path, key, value):
    """A window or cooldown of .nan/.inf is a RuleError naming file, rule and field."""
    text = BASE + ("" if key == "window" else "window: 5m\n") + f"{key}: {value}\n"
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert (str(path), "t", key) == (info.value.file, info.value.rule, info.value.field)


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_rate_rule_with_non_finite_sensitivity_is_refused(tmp_path, value):
    """baseline.sensitivity must be a finite number."""
    path = write(tmp_path, RATE + f"baseline: {{sensitivity: {value}}}\n")
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert "baseline.sensitivity" == info.value.field


def test_deeply_nested_rule_file_is_a_rule_error(tmp_path):
    """YAML nested past the recursion limit is a RuleError naming the file, not a crash."""
    path = write(tmp_path, "[" * 20000 + "]" * 20000)
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert str(path) == info.value.file


def test_deeply_nested_responses_file_is_a_rule_error(tmp_path):
    """responses.yaml nested past the recursion limit is a RuleError naming the file."""
    path = write(tmp_path, "[" * 20000 + "]" * 20000, "responses.yaml")
    with pytest.raises(RuleError) as info:
        load_responses(path)
    assert str(path) == info.value.file


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_responses_non_finite_duration_names_the_field(value):
    """A revocation duration of NaN/inf is refused naming the response and field."""
    doc = {
        "responses": [
            {
                "name": "lock",
                "actions": [{"type": "revoke_account", "mode": "temporary", "duration": value}],
            }
        ]
    }
    with pytest.raises(RuleError) as info:
        parse_responses(doc, "responses.yaml")
    assert ("lock", "actions[0].duration") == (info.value.rule, info.value.field)


def test_responses_non_finite_cap_window_is_refused():
    """settings.cap.window must be a finite duration."""
    with pytest.raises(RuleError) as info:
        parse_responses({"settings": {"cap": {"window": float("inf")}}}, "responses.yaml")
    assert "settings.cap.window" == info.value.field
