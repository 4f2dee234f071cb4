"""Parsers refuse values that the store and the JSON output cannot hold."""

from __future__ import annotations

import json

import pytest

from logward.cli import main
from logward_base.errors import ConfigError
from monitor.parsers import get_parser

_AUTH = '"event.category":"authentication","event.outcome":"failure","source.ip":"192.0.2.7"'


@pytest.mark.parametrize(
    "stamp",
    ["1e300", "-1e300", '"nan"', '"inf"', "1e20"],
)
def test_json_timestamp_out_of_range_is_unparseable(stamp):
    """A time iso_time cannot format (NaN, infinite, past year 9999) is unparseable."""
    parser = get_parser("json")
    assert parser.parse(f'{{"@timestamp":{stamp},{_AUTH}}}') is None
    assert 1 == parser.stats.unparseable


@pytest.mark.parametrize("field", ["event.count", "http.response.status_code"])
def test_json_integer_beyond_sqlite_is_unparseable(field):
    """A count or status too large for an SQLite INTEGER is unparseable, not a crash later."""
    parser = get_parser("json")
    line = f'{{"@timestamp":"2026-01-01T00:00:00Z",{_AUTH},"{field}":{10**20}}}'
    assert parser.parse(line) is None
    assert 1 == parser.stats.unparseable


def test_json_count_limit_keeps_sums_storable():
    """Counts up to 2**31 - 1 are kept; larger ones (whose sums could overflow) are not."""
    parser = get_parser("json")
    line = '{"@timestamp":"2026-01-01T00:00:00Z",' + _AUTH + ',"event.count":%d}'
    kept = parser.parse(line % (2**31 - 1))
    assert kept is not None
    assert 2**31 - 1 == kept.count
    assert parser.parse(line % 2**31) is None


def test_sshd_repeat_count_beyond_sqlite_is_unparseable():
    """'message repeated N times' with an absurd N is unparseable."""
    parser = get_parser("sshd", year_rule=2026)
    line = (
        "Jan  1 00:00:00 host sshd[1]: message repeated 99999999999999999999 times:"
        " [ Failed password for root from 192.0.2.7 port 22 ssh2]"
    )
    assert parser.parse(line) is None
    assert 1 == parser.stats.unparseable


def test_json_lone_surrogate_is_replaced():
    """An unpaired \\ud800 escape becomes U+FFFD, so the event encodes as UTF-8."""
    parser = get_parser("json")
    ev = parser.parse(
        '{"@timestamp":"2026-01-01T00:00:00Z",' + _AUTH + ',"user.name":"bob\\ud800"}'
    )
    assert ev is not None
    assert "bob\ufffd" == ev.user_name
    ev.user_name.encode("utf-8")


def test_json_surrogate_pair_is_kept():
    """A valid surrogate pair escape still decodes to its character."""
    parser = get_parser("json")
    ev = parser.parse(
        '{"@timestamp":"2026-01-01T00:00:00Z",' + _AUTH + ',"user.name":"\\ud83d\\ude00"}'
    )
    assert ev is not None
    assert "\U0001f600" == ev.user_name


def test_sshd_journal_lone_surrogate_is_replaced():
    """A journalctl JSON MESSAGE with an unpaired surrogate yields a UTF-8-safe user."""
    parser = get_parser("sshd")
    record = (
        '{"__REALTIME_TIMESTAMP":"1767225600000000","SYSLOG_IDENTIFIER":"sshd","_PID":"9",'
        '"MESSAGE":"Failed password for bob\\udc80 from 192.0.2.7 port 22 ssh2"}'
    )
    ev = parser.parse(record)
    assert ev is not None
    assert "bob\ufffd" == ev.user_name


def test_replay_with_store_survives_bad_values(tmp_path, capsys):
    """Bad times, huge counts and lone surrogates neither crash a stored replay nor lose lines."""
    log = tmp_path / "access.jsonl"
    lines = [
        '{"@timestamp":"2026-01-01T00:00:00Z",' + _AUTH + ',"user.name":"ann"}',
        '{"@timestamp":1e300,' + _AUTH + "}",
        '{"@timestamp":"2026-01-01T00:00:01Z",' + _AUTH + ',"event.count":' + str(10**20) + "}",
        '{"@timestamp":"2026-01-01T00:00:02Z",' + _AUTH + ',"user.name":"bob\\ud800"}',
        '{"@timestamp":"2026-01-01T00:00:03Z",' + _AUTH + ',"user.name":"cy"}',
    ]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    argv = ["monitor", "replay", "--format", "json", "--data-dir", str(data), str(log)]
    assert 0 == main(argv)
    stats = json.loads(capsys.readouterr().err.split("parse stats ", 1)[1].splitlines()[0])
    assert (3, 2) == (stats["parsed"], stats["unparseable"])
    from monitor import open_store

    conn = open_store(data)
    try:
        users = [r[0] for r in conn.execute("SELECT user_name FROM events ORDER BY ts")]
    finally:
        conn.close()
    assert ["ann", "bob\ufffd", "cy"] == users


@pytest.mark.parametrize("year", [0, ""])
def test_falsy_year_rule_is_refused_not_defaulted(year):
    """year_rule 0 or '' is a ConfigError, not silently the 'reference' rule."""
    with pytest.raises(ConfigError, match="year_rule"):
        get_parser("sshd", year_rule=year)


def test_cli_year_zero_is_a_usage_error(tmp_path, capsys):
    """monitor parse --year 0 exits 2 naming the option."""
    log = tmp_path / "auth.log"
    log.write_text("", encoding="utf-8")
    assert 2 == main(["monitor", "parse", "--format", "sshd", "--year", "0", str(log)])
    assert "year_rule" in capsys.readouterr().err
