"""Rule model and strict loader (monitor._rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logward_base.errors import RuleError
from logward_base.paths import rules_dir
from monitor import AccessEvent, load_rule_file, load_rules, parse_duration

BASE = """\
name: t
type: threshold
severity: high
match: {event.outcome: failure}
group_by: [source.ip]
threshold: 3
window: 5m
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_shipped_rule_loads():
    """Every file under rules/detections is a valid rule with a unique name."""
    rules = load_rules(rules_dir())
    names = {r.name for r in rules}
    assert 15 == len(rules)
    assert {"brute-force-ip", "success-after-failures", "api-rate-per-account"} <= names


def test_durations_are_parsed_at_load(tmp_path):
    """Window and cooldown are seconds once loaded."""
    rule = load_rule_file(write(tmp_path, BASE + "cooldown: 1h\n"))
    assert 300.0 == rule.window
    assert 3600.0 == rule.cooldown


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", 30.0), ("5m", 300.0), ("1h", 3600.0), ("24h", 86400.0), ("1d", 86400.0), (90, 90.0)],
)
def test_parse_duration(text, expected):
    """Durations accept s/m/h/d suffixes and plain seconds."""
    assert expected == parse_duration(text)


@pytest.mark.parametrize("bad", ["5x", "-1m", "0s", True, None])
def test_parse_duration_rejects(bad):
    """Nonsense durations raise ValueError."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("bogus: 1\n", "bogus"),
        ("distinct: not.a.field\n", "distinct"),
        ("cooldown: soon\n", "cooldown"),
        ("labels: {a: [1]}\n", "labels.a"),
        ("max_per_value: 2\n", "max_per_value"),
        ("then: {when: {event.outcome: success}}\n", "then.when"),
        ("reset_on: {user.nam: x}\n", "reset_on.user.nam"),
    ],
)
def test_errors_name_file_rule_and_field(tmp_path, extra, field):
    """Unknown keys and bad values raise RuleError naming file, rule and field."""
    path = write(tmp_path, BASE + extra)
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert str(path) == info.value.file
    assert "t" == info.value.rule
    assert field == info.value.field


@pytest.mark.parametrize(
    ("match", "field"),
    [
        ("{source.ip: {cidr: [not-a-net]}}", "match.source.ip.cidr"),
        ("{url.path: {regex: '('}}", "match.url.path.regex"),
        ("{url.path: {like: x}}", "match.url.path.like"),
        ("{http.response.status_code: {gte: high}}", "match.http.response.status_code.gte"),
        ("{nope: 1}", "match.nope"),
        ("5", "match"),
    ],
)
def test_bad_match_conditions(tmp_path, match, field):
    """Match conditions are validated with the failing operator named."""
    text = BASE.replace("match: {event.outcome: failure}", f"match: {match}")
    with pytest.raises(RuleError) as info:
        load_rule_file(write(tmp_path, text))
    assert field == info.value.field


def test_rate_rule_needs_baseline_or_ceiling(tmp_path):
    """A rate rule without baseline or ceiling is rejected."""
    text = BASE.replace("type: threshold", "type: rate").replace("threshold: 3\n", "")
    with pytest.raises(RuleError, match="baseline"):
        load_rule_file(write(tmp_path, text))


def test_rate_rule_rejects_threshold_keys(tmp_path):
    """Keys of the other rule type are unknown keys."""
    text = BASE.replace("type: threshold", "type: rate") + "ceiling: 10\n"
    with pytest.raises(RuleError) as info:
        load_rule_file(write(tmp_path, text))
    assert "threshold" == info.value.field


def test_invalid_yaml_names_the_file(tmp_path):
    """Broken YAML is a RuleError naming the file and line."""
    path = write(tmp_path, "name: [unclosed\n")
    with pytest.raises(RuleError, match="invalid YAML at line"):
        load_rule_file(path)


def test_duplicate_names_rejected(tmp_path):
    """Two files defining the same rule name are an error."""
    write(tmp_path, BASE, "a.yaml")
    write(tmp_path, BASE, "b.yaml")
    with pytest.raises(RuleError, match="already defined"):
        load_rules(tmp_path)


def test_version_is_a_hash_of_the_content(tmp_path):
    """Changing the file changes rule_version; same content gives the same one."""
    first = load_rule_file(write(tmp_path, BASE, "a.yaml")).version
    same = load_rule_file(write(tmp_path, BASE, "b.yaml")).version
    other = load_rule_file(write(tmp_path, BASE + "cooldown: 1m\n", "c.yaml")).version
    assert first == same
    assert first != other


def test_disabled_rules_are_skipped(tmp_path):
    """enabled: false keeps the rule out unless asked for."""
    write(tmp_path, BASE + "enabled: false\n")
    assert [] == load_rules(tmp_path)
    assert 1 == len(load_rules(tmp_path, enabled_only=False))


def test_match_operators(tmp_path):
    """cidr, regex, not, gte/lt and lists all compile into one predicate."""
    text = BASE.replace(
        "match: {event.outcome: failure}",
        "match:\n"
        "  source.ip: {cidr: [10.0.0.0/8, '2001:db8::/32']}\n"
        "  url.path: {regex: ^/admin, not: /admin/health}\n"
        "  http.response.status_code: {gte: 400, lt: 500}\n"
        "  http.request.method: [GET, POST]\n",
    )
    rule = load_rule_file(write(tmp_path, text))

    def ev(**kw):
        base = {
            "timestamp": 0.0,
            "category": "web",
            "action": "http_request",
            "source_ip": "10.1.2.3",
            "url_path": "/admin/users",
            "status_code": 403,
            "http_method": "GET",
        }
        return AccessEvent(**{**base, **kw})

    assert rule.match(ev())
    assert rule.match(ev(source_ip="::ffff:10.9.9.9"))
    assert rule.match(ev(source_ip="2001:db8::1"))
    assert not rule.match(ev(source_ip="192.0.2.1"))
    assert not rule.match(ev(source_ip="host.example"))
    assert not rule.match(ev(url_path="/admin/health"))
    assert not rule.match(ev(url_path="/public"))
    assert not rule.match(ev(status_code=500))
    assert not rule.match(ev(status_code=None))
    assert not rule.match(ev(http_method="DELETE"))
