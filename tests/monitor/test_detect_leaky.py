"""The leaky rule type, bounded distinct windows and the rule-type registry."""

from __future__ import annotations

import pytest

from logward_base.errors import RuleError
from monitor import (
    RULE_TYPES,
    DetectionEngine,
    LeakyEvaluator,
    StateStore,
    load_rule_file,
    open_store,
)
from tests.monitor.test_detect import T0, engine_for, fail, feed, rule_file

LEAKY = """\
type: leaky
match: {event.category: authentication, event.outcome: failure}
group_by: [source.ip]
capacity: 5
leakspeed: 10s
cooldown: 1m
"""


def test_registry_maps_each_type_to_its_evaluator():
    """Every rule type has one registry entry; leaky builds a LeakyEvaluator."""
    assert ["leaky", "rate", "threshold"] == sorted(RULE_TYPES)
    assert LeakyEvaluator is RULE_TYPES["leaky"].evaluator


def test_leaky_overflows_on_the_event_above_capacity(tmp_path):
    """Six failures in a second overflow a capacity-5 bucket (CrowdSec ssh-bf); five do not."""
    engine = engine_for(tmp_path, LEAKY)
    assert [] == feed(engine, [fail(i / 10) for i in range(5)])
    alerts = feed(engine, [fail(0.6)])
    assert [6] == [a.count for a in alerts]
    assert [] == feed(engine, [fail(1 + i / 10) for i in range(10)])  # cooldown


def test_leaky_drains_at_its_leak_speed(tmp_path):
    """One failure every 10 s never fills the bucket; one every 5 s does."""
    engine = engine_for(tmp_path, LEAKY)
    assert [] == feed(engine, [fail(10 * i) for i in range(50)])
    alerts = feed(engine, [fail(1000 + 5 * i, ip="198.51.100.1") for i in range(20)])
    assert 1 == len(alerts)


def test_leaky_distinct_pours_each_value_once(tmp_path):
    """With distinct, the same account repeated does not fill the bucket; new ones do."""
    engine = engine_for(tmp_path, LEAKY + "distinct: user.name\n")
    assert [] == feed(engine, [fail(i / 10, user="root") for i in range(30)])
    alerts = feed(engine, [fail(5 + i / 10, user=f"u{i}") for i in range(6)])
    assert [6] == [a.distinct for a in alerts]  # root (half leaked) + u0..u4


def test_leaky_state_survives_a_checkpoint(tmp_path):
    """A bucket half full when stopped is restored: the next events overflow it."""
    conn = open_store(tmp_path / "d")
    first = engine_for(tmp_path, LEAKY, track_dirty=True)
    feed(first, [fail(i / 10) for i in range(4)])
    StateStore(conn).checkpoint(first)
    second = engine_for(tmp_path, LEAKY)
    StateStore(conn).load(second)
    assert 1 == len(feed(second, [fail(0.5), fail(0.6)]))
    conn.close()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (LEAKY.replace("capacity: 5", "capacity: 0"), "capacity"),
        (LEAKY.replace("leakspeed: 10s", "leakspeed: soon"), "leakspeed"),
        (LEAKY + "threshold: 3\n", "threshold"),
        (LEAKY + "distinct: source.ip\n", "distinct"),
    ],
)
def test_leaky_validation_names_file_rule_and_field(tmp_path, body, field):
    """A bad leaky rule is a RuleError naming the file, the rule and the field."""
    path = rule_file(tmp_path, body)
    with pytest.raises(RuleError) as err:
        load_rule_file(path)
    assert (str(path), "r", field) == (err.value.file, err.value.rule, err.value.field)


def test_distinct_window_memory_is_bounded_under_a_flood(tmp_path):
    """100k distinct accounts from one address: the key holds at most 'threshold' values."""
    body = (
        "type: threshold\nmatch: {event.outcome: failure}\ngroup_by: [source.ip]\n"
        "distinct: user.name\nthreshold: 5\nwindow: 10m\ncooldown: 1h\n"
    )
    engine = engine_for(tmp_path, body)
    alerts = feed(engine, [fail(i / 100, user=f"u{i}") for i in range(100_000)])
    assert 1 == len(alerts)
    win = engine.evaluators[0]._wins["203.0.113.9"]  # type: ignore[attr-defined]
    assert 5 >= len(win.vals)


def test_list_file_operator_matches_case_insensitively(tmp_path):
    """contains: <list file> matches any entry, case-insensitively, relative to the rule."""
    (tmp_path / "paths.txt").write_text("# admin pages\n/phpmyadmin\n/+CSCOE+/\n")
    body = (
        "type: threshold\nmatch: {url.path: {contains: paths.txt}}\n"
        "group_by: [source.ip]\nthreshold: 1\nwindow: 1m\n"
    )
    engine = DetectionEngine([load_rule_file(rule_file(tmp_path, body))])
    hits = [
        bool(feed(engine, [fail(i, ip=f"192.0.2.{i}", url_path=p)]))
        for i, p in enumerate(["/PhpMyAdmin/index.php", "/+cscoe+/logon.html", "/home"])
    ]
    assert [True, True, False] == hits


def test_rate_keys_without_a_baseline_go_after_an_hour(tmp_path):
    """One-off addresses in a per-address rate rule are evicted after an hour idle, not a week."""
    body = (
        "type: rate\nmatch: {event.category: authentication}\ngroup_by: [source.ip]\n"
        "window: 1m\nbaseline: {warm_up: 5}\n"
    )
    engine = engine_for(tmp_path, body)
    feed(engine, [fail(i / 10, ip=f"10.0.{i // 250}.{i % 250}") for i in range(1000)])
    assert 1000 == engine.open_keys()["r"]
    assert 1000 == engine.evict(T0 + 2 * 3600)
