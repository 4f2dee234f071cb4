"""Detection engine: threshold and rate evaluators in event time (monitor.detect._engine*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logward_base.paths import rules_dir
from monitor import AccessEvent, DetectionEngine, load_rule_file, load_rules

T0 = 1_700_000_000.0


def fail(ts, ip="203.0.113.9", user="bob", **kw):
    return AccessEvent(
        timestamp=T0 + ts,
        category="authentication",
        action="ssh_login",
        outcome="failure",
        user_name=user,
        source_ip=ip,
        **kw,
    )


def ok(ts, ip="203.0.113.9", user="bob"):
    return AccessEvent(
        timestamp=T0 + ts,
        category="authentication",
        action="ssh_login",
        outcome="success",
        user_name=user,
        source_ip=ip,
    )


def rule_file(tmp_path: Path, body: str, name: str = "r") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nseverity: high\n" + body)
    return path


def engine_for(tmp_path: Path, body: str, **kw) -> DetectionEngine:
    return DetectionEngine([load_rule_file(rule_file(tmp_path, body))], **kw)


BRUTE = """\
type: threshold
match: {event.category: authentication, event.outcome: failure}
group_by: [source.ip]
threshold: 3
window: 1m
cooldown: 5m
"""


def feed(engine, events):
    out = []
    for ev in events:
        out.extend(engine.process(ev))
    return out


def test_threshold_fires_once_at_the_threshold(tmp_path):
    """The third failure within the window fires, with count, keys and time bounds."""
    engine = engine_for(tmp_path, BRUTE)
    alerts = feed(engine, [fail(0), fail(10), fail(20, line=7, file="auth.log")])
    assert 1 == len(alerts)
    alert = alerts[0]
    assert {"source.ip": "203.0.113.9"} == alert.keys
    assert 3 == alert.count
    assert T0 == alert.first_seen
    assert T0 + 20 == alert.last_seen
    assert (("auth.log", 7),) == alert.evidence


def test_window_slides_in_event_time(tmp_path):
    """Failures further apart than the window never add up."""
    engine = engine_for(tmp_path, BRUTE)
    assert [] == feed(engine, [fail(0), fail(50), fail(100), fail(150)])
    assert 1 == len(feed(engine, [fail(160)]))


def test_cooldown_suppresses_then_allows_refiring(tmp_path):
    """Within cooldown a key does not fire again; after it, fresh evidence fires."""
    engine = engine_for(tmp_path, BRUTE)
    first = feed(engine, [fail(i) for i in range(3)])
    during = feed(engine, [fail(10 + i) for i in range(6)])
    after = feed(engine, [fail(400 + i) for i in range(3)])
    assert (1, 0, 1) == (len(first), len(during), len(after))
    assert first[0].id != after[0].id


def test_keys_are_independent(tmp_path):
    """Failures from different sources do not add up."""
    engine = engine_for(tmp_path, BRUTE)
    assert [] == feed(engine, [fail(i, ip=f"198.51.100.{i}") for i in range(10)])


def test_event_count_weights(tmp_path):
    """'message repeated 3 times' counts as three failures."""
    engine = engine_for(tmp_path, BRUTE)
    alerts = feed(engine, [AccessEvent(**{**_fields(fail(0)), "count": 3})])
    assert [3] == [a.count for a in alerts]


def _fields(ev):
    return ev._asdict()


def test_reset_on_clears_the_window(tmp_path):
    """A success for the key clears its failures."""
    engine = engine_for(tmp_path, BRUTE + "reset_on: {event.outcome: success}\n")
    assert [] == feed(engine, [fail(0), fail(1), ok(2), fail(3), fail(4)])
    assert 1 == len(feed(engine, [fail(5)]))


def test_missing_group_by_value_is_ignored(tmp_path):
    """Events without the group_by field never open a window."""
    engine = engine_for(tmp_path, BRUTE)
    assert [] == feed(engine, [fail(i, ip=None) for i in range(5)])
    assert {"r": 0} == engine.open_keys()


def test_distinct_counts_values(tmp_path):
    """distinct: source.ip fires on many sources, not on many events from one."""
    body = BRUTE.replace("[source.ip]", "[user.name]") + "distinct: source.ip\n"
    engine = engine_for(tmp_path, body)
    assert [] == feed(engine, [fail(i) for i in range(10)])
    alerts = feed(engine, [fail(20, ip="198.51.100.1"), fail(21, ip="198.51.100.2")])
    assert [3] == [a.distinct for a in alerts]
    assert {"user.name": "bob"} == alerts[0].keys


def test_max_per_value_counts_only_rarely_tried_values(tmp_path):
    """Spraying: accounts tried more than max_per_value times do not count."""
    body = BRUTE + "distinct: user.name\nmax_per_value: 1\n"
    engine = engine_for(tmp_path, body)
    hammered = [fail(i, user="root") for i in range(5)]
    assert [] == feed(engine, [*hammered, fail(6, user="a"), fail(7, user="b")])
    alerts = feed(engine, [fail(8, user="c")])
    assert [3] == [a.distinct for a in alerts]


def test_then_sequence_fires_on_success_after_failures(tmp_path):
    """N failures then a success for the same key fires on the success only."""
    body = BRUTE.replace("[source.ip]", "[user.name]") + (
        "then: {match: {event.category: authentication, event.outcome: success}}\n"
    )
    engine = engine_for(tmp_path, body)
    assert [] == feed(engine, [fail(i) for i in range(5)])
    alerts = feed(engine, [ok(10)])
    assert 1 == len(alerts)
    assert (5, T0, T0 + 10) == (alerts[0].count, alerts[0].first_seen, alerts[0].last_seen)
    assert [] == feed(engine, [ok(11)])


def test_then_without_enough_failures_is_quiet(tmp_path):
    """A success after too few (or too old) failures does not fire."""
    body = BRUTE.replace("[source.ip]", "[user.name]") + (
        "then: {match: {event.outcome: success}}\n"
    )
    engine = engine_for(tmp_path, body)
    assert [] == feed(engine, [fail(0), fail(1), ok(2)])
    assert [] == feed(engine, [fail(10), fail(11), fail(12), ok(200)])


def test_late_events_are_kept_in_order(tmp_path):
    """An out-of-order event is inserted by time and still counts."""
    engine = engine_for(tmp_path, BRUTE)
    alerts = feed(engine, [fail(30), fail(10), fail(20)])
    assert [T0 + 10] == [a.first_seen for a in alerts]


def test_eviction_bounds_open_keys(tmp_path):
    """Keys whose window has passed in event time are evicted."""
    engine = engine_for(tmp_path, BRUTE)
    feed(engine, [fail(i / 100, ip=f"10.0.{i // 250}.{i % 250}") for i in range(1000)])
    assert 1000 == engine.open_keys()["r"]
    feed(engine, [fail(4000, ip="192.0.2.1")])
    assert 1 == engine.open_keys()["r"]


def test_index_routes_events_only_to_rules_that_can_match(tmp_path):
    """A web success event is offered only to web rules, never to authentication ones."""
    engine = DetectionEngine(load_rules(rules_dir()))
    web_ok = AccessEvent(timestamp=T0, category="web", action="http_request", outcome="success")
    engine.process(web_ok)
    web = [
        "admin-interface-probing",
        "api-rate-per-account",
        "http-probing",
        "request-burst-ip",
        "request-rate-per-ip",
        "sensitive-files-probing",
    ]
    assert web == engine.routed_rules("web", "success")
    assert len(web) == len(engine._index[("web", "success")])


def test_key_field_selects_rules(tmp_path):
    """With key_field, only rules grouped by that field are evaluated."""
    engine = DetectionEngine(load_rules(rules_dir()), key_field="user.name")
    names = {r.name for r in engine.rules}
    assert {"distributed-brute-force", "success-after-failures", "api-rate-per-account"} == names


RATE = """\
type: rate
match: {event.category: web}
group_by: [user.name]
window: 1m
"""


def web(ts, user="alice"):
    return AccessEvent(
        timestamp=T0 + ts,
        category="web",
        action="http_request",
        outcome="success",
        user_name=user,
        url_path="/api/items",
    )


def test_rate_ceiling_fires_once_per_bucket(tmp_path):
    """Above the static ceiling the rule fires once, then waits for the next bucket."""
    engine = engine_for(tmp_path, RATE + "ceiling: 5\n")
    alerts = feed(engine, [web(i) for i in range(20)])
    assert [6] == [a.count for a in alerts]
    assert "ceiling" == alerts[0].labels["reason"]


def test_rate_baseline_learns_then_flags_a_spike(tmp_path):
    """After warm-up, a bucket far above the key's own history fires; normal ones do not."""
    body = (
        RATE
        + "cooldown: 5m\n"
        + ("baseline: {method: ewma, warm_up: 5, min_volume: 10, sensitivity: 4, span: 10}\n")
    )
    engine = engine_for(tmp_path, body)
    normal = [web(m * 60 + s) for m in range(10) for s in range(0, 60, 6)]
    assert [] == feed(engine, normal)
    spike = [web(600 + s / 4) for s in range(200)]
    alerts = feed(engine, spike)
    assert 1 == len(alerts)
    assert "baseline" == alerts[0].labels["reason"]
    assert pytest.approx(10.0, abs=0.5) == float(alerts[0].labels["expected"])


def test_rate_median_mad_and_min_volume(tmp_path):
    """median/MAD baselines work too, and tiny counts never fire."""
    body = RATE + (
        "baseline: {method: median_mad, warm_up: 3, min_volume: 50, sensitivity: 3, span: 10}\n"
    )
    engine = engine_for(tmp_path, body)
    assert [] == feed(engine, [web(m * 60) for m in range(10)])
    assert [] == feed(engine, [web(600 + s) for s in range(20)])
    assert 1 == len(feed(engine, [web(660 + s / 2) for s in range(60)]))


def test_rate_without_warm_up_does_not_fire_on_baseline(tmp_path):
    """A new key with no history cannot fire on the baseline (only the ceiling)."""
    body = RATE + "baseline: {warm_up: 30, min_volume: 1}\n"
    engine = engine_for(tmp_path, body)
    assert [] == feed(engine, [web(s / 10) for s in range(500)])


def test_rate_keys_idle_for_a_week_are_evicted_but_fitted_ones_stay(tmp_path):
    """Rate state is bounded: idle keys go; a fitted, unused baseline stays."""
    engine = engine_for(tmp_path, RATE + "ceiling: 100\n")
    evaluator = engine.by_name["r"]
    evaluator.restore('["fitted"]', {"b": -1, "m": 5.0, "n": 40})
    feed(engine, [web(0, user="old")])
    feed(engine, [web(8 * 86400, user="new")])
    assert {'["fitted"]', '["new"]'} == {key for key, _ in evaluator.all_rows()}
