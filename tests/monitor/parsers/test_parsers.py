"""Unit tests of the parser stage: options, counters, scrubbing, time rules, robustness."""

from __future__ import annotations

import calendar
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import monitor.parsers as parsers_pkg
from logward_base.errors import ConfigError
from monitor.parsers import (
    PARSERS,
    SCRUB_FAILED,
    ParseStats,
    SshdParser,
    get_parser,
    parse_lines,
)

JAN_10_2024 = calendar.timegm((2024, 1, 10, 12, 0, 0, 0, 0, 0))
SSHD_FAIL = "Dec 31 23:59:59 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2"
COMBINED = (
    '192.0.2.1 - - [01/Mar/2024:10:00:00 +0000] "GET /a/b?token=secret HTTP/1.1" 200 1 '
    '"-" "agent alice@example.com"'
)


def test_all_is_complete():
    """__all__ names exist and cover every parser class and the public helpers."""
    exported = set(parsers_pkg.__all__)
    assert all(hasattr(parsers_pkg, name) for name in exported)
    assert {cls.__name__ for cls in PARSERS.values()} <= exported
    assert {"PARSERS", "Parser", "ParseStats", "get_parser", "parse_lines"} <= exported
    assert len(exported) == len(parsers_pkg.__all__)


def test_formats_registered():
    """The five formats the CLI offers are registered."""
    assert {"json", "combined", "sshd", "nginx-error", "apache-error"} == set(PARSERS)


def test_unknown_format_is_a_config_error():
    """An unknown format names the known ones."""
    with pytest.raises(ConfigError, match="known: apache-error, combined"):
        get_parser("syslog")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"nope": 1}, "unknown parser option"),
        ({"year_rule": "sometimes"}, "year_rule"),
        ({"year_rule": 1800}, "year out of range"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"login_paths": "/login"}, "login_paths"),
        ({"login_paths": ["login"]}, "must start with"),
        ({"failure_statuses": [401, 999]}, "100-599"),
        ({"field_map": {"ip": "source.address.nope"}}, "unknown ECS field"),
        ({"scrub": "not callable"}, "scrub"),
        ({"reference_time": "now"}, "reference_time"),
    ],
)
def test_bad_options_are_rejected(options, message):
    """Each invalid option fails once, at construction, with a clear message."""
    with pytest.raises(ConfigError, match=message):
        get_parser("combined", **options)


def test_options_shared_by_all_parsers():
    """The pipeline may pass the same options to every format."""
    options = {
        "year_rule": "reference",
        "reference_time": JAN_10_2024,
        "tz": "Europe/Paris",
        "login_paths": ["/signin"],
        "failure_statuses": [401],
        "field_map": {"ip": "source.ip"},
        "scrub": str.upper,
    }
    for name in PARSERS:
        assert name == get_parser(name, **options).format


def test_stats_count_parsed_skipped_and_unparseable():
    """Counters separate events, other lines and malformed lines."""
    parser = get_parser("sshd", reference_time=JAN_10_2024)
    lines = [
        SSHD_FAIL,
        "Jan  1 00:00:00 host CRON[2]: job",
        "Jan  1 00:00:00 host sshd[3]: Server listening on :: port 22.",
        "Foo 99 00:00:00 host sshd[4]: Failed password for x from 1.2.3.4 port 1 ssh2",
    ]
    events = [parser.parse(line, n) for n, line in enumerate(lines, 1)]
    assert [True, False, False, False] == [e is not None for e in events]
    stats = parser.stats
    assert ParseStats("sshd", lines=4, parsed=1, skipped=2, unparseable=1) == stats
    assert {
        "format": "sshd",
        "lines": 4,
        "parsed": 1,
        "skipped": 2,
        "unparseable": 1,
        "scrub_failures": 0,
        "suspicious": 0,
    } == stats.as_dict()


def test_year_rule_reference_rolls_back_a_year():
    """A December line read in January belongs to the previous year."""
    parser = get_parser("sshd", reference_time=JAN_10_2024)
    event = parser.parse(SSHD_FAIL, 1)
    assert event is not None
    assert "2023-12-31T23:59:59.000Z" == event.iso_timestamp


def test_year_rule_allows_one_day_ahead():
    """A line up to a day ahead of the reference (clock skew) keeps the reference year."""
    parser = get_parser("sshd", reference_time=JAN_10_2024)
    event = parser.parse(SSHD_FAIL.replace("Dec 31 23:59:59", "Jan 11 11:00:00"), 1)
    assert event is not None
    assert "2024-01-11T11:00:00.000Z" == event.iso_timestamp


def test_year_rule_fixed_year():
    """An integer year_rule is used as is."""
    event = get_parser("sshd", year_rule=2019).parse(SSHD_FAIL, 1)
    assert event is not None
    assert "2019-12-31T23:59:59.000Z" == event.iso_timestamp


def test_year_rule_mtime(tmp_path):
    """year_rule='mtime' dates lines by the file's modification year."""
    log = tmp_path / "auth.log"
    log.write_text(SSHD_FAIL + "\n")
    mtime = calendar.timegm((2021, 1, 2, 0, 0, 0, 0, 0, 0))
    os.utime(log, (mtime, mtime))
    event = get_parser("sshd", year_rule="mtime").parse(SSHD_FAIL, 1, str(log))
    assert event is not None
    assert "2020-12-31T23:59:59.000Z" == event.iso_timestamp


def test_tz_applies_to_naive_times_only():
    """tz shifts times without an offset; explicit offsets win."""
    parser = get_parser("sshd", year_rule=2024, tz="Europe/Paris")
    naive = parser.parse(SSHD_FAIL.replace("Dec 31", "Jul  1"), 1)
    aware = parser.parse(
        "2024-07-01T23:59:59+00:00 h sshd[1]: Failed password for a from 192.0.2.1 port 1 ssh2", 2
    )
    assert naive is not None
    assert aware is not None
    assert "2024-07-01T21:59:59.000Z" == naive.iso_timestamp
    assert "2024-07-01T23:59:59.000Z" == aware.iso_timestamp


def test_scrub_applies_to_free_text_not_evidence():
    """Query, path and user agent are scrubbed; user and address are kept."""
    seen = []

    def fake_scrub(text):
        seen.append(text)
        return text.replace("secret", "<SECRET>").replace("alice@example.com", "<EMAIL>")

    event = get_parser("combined", scrub=fake_scrub).parse(COMBINED.replace("- - [", "- bob ["), 1)
    assert event is not None
    assert "token=<SECRET>" == event.url_query
    assert "agent <EMAIL>" == event.user_agent
    assert "bob" == event.user_name
    assert "192.0.2.1" == event.source_ip
    assert "bob" not in seen
    assert "192.0.2.1" not in seen


def test_scrub_failure_fails_closed():
    """A scrubber that raises never lets the original text through."""

    def broken(text):
        raise RuntimeError(text)

    parser = get_parser("combined", scrub=broken)
    event = parser.parse(COMBINED, 1)
    assert event is not None
    assert SCRUB_FAILED == event.url_query
    assert SCRUB_FAILED == event.user_agent
    assert "secret" not in repr(event)
    assert SCRUB_FAILED == event.url_path
    assert 4 == parser.stats.scrub_failures  # one per piece: agent, query, 2 path segments


def test_scrub_results_are_cached():
    """Repeated free text is scrubbed once (user agents repeat a lot)."""
    calls = []

    def counting(text):
        calls.append(text)
        return text

    parser = get_parser("combined", scrub=counting)
    for n in range(5):
        parser.parse(COMBINED, n)
    assert ["a", "agent alice@example.com", "b", "token=secret"] == sorted(calls)


def test_parse_lines_numbers_from_one():
    """parse_lines yields one result per line with 1-based line numbers."""
    results = list(parse_lines("sshd", ["noise", SSHD_FAIL], file="auth.log", year_rule=2024))
    assert results[0] is None
    assert results[1] is not None
    assert (2, "auth.log") == (results[1].line, results[1].file)


def test_custom_login_paths_and_statuses():
    """Configured login paths (exact or prefix*) and statuses drive failed-login detection."""
    parser = get_parser("combined", login_paths=["/sso/*", "/signin"], failure_statuses=[401, 429])
    line = '192.0.2.1 - - [01/Mar/2024:10:00:00 +0000] "POST {} HTTP/1.1" {} 0 "-" "-"'
    cases = {
        ("/sso/callback", 429): ("authentication", "failure"),
        ("/signin/", 401): ("authentication", "failure"),
        ("/signin", 403): ("web", "failure"),
        ("/login", 401): ("web", "failure"),
        ("/sso/x", 200): ("authentication", "success"),
    }
    for (path, status), expected in cases.items():
        event = parser.parse(line.format(path, status), 1)
        assert event is not None
        assert expected == (event.category, event.outcome), path


def test_pid_history_is_bounded():
    """Per-connection memory of sshd pids stays bounded."""
    parser = SshdParser(year_rule=2024)
    for pid in range(40_000):
        parser.parse(f"Jan  1 00:00:00 h sshd[{pid}]: Connection from 192.0.2.1 port 1", pid)
    assert len(parser._pids) <= 16384


def test_message_repeated_weights_the_event():
    """syslog's 'message repeated N times' becomes one event with count N."""
    line = "Jan  1 00:00:00 h sshd[9]: message repeated 3 times: [ Invalid user x from 192.0.2.9]"
    event = get_parser("sshd", year_rule=2024).parse(line, 1)
    assert event is not None
    assert (3, "x", "192.0.2.9") == (event.count, event.user_name, event.source_ip)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(PARSERS)),
    line=st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda a, b: a + b,
            st.sampled_from([SSHD_FAIL, COMBINED, '{"@timestamp": ']),
            st.text(max_size=80),
        ),
    ),
)
def test_parsers_never_raise_on_data(name, line):
    """Arbitrary text never raises; every line is counted exactly once."""
    parser = get_parser(name)
    parser.parse(line, 1, None)
    stats = parser.stats
    assert 1 == stats.parsed + stats.skipped + stats.unparseable


def test_new_connection_resets_pid_history():
    """A reused sshd pid does not inherit the previous connection's failures or user."""
    parser = SshdParser(year_rule=2024)
    lines = [
        "Jan  1 00:00:00 h sshd[7]: Failed password for root from 192.0.2.1 port 1 ssh2",
        "Jan  1 00:10:00 h sshd[7]: Connection from 192.0.2.2 port 2 on 192.0.2.9 port 22",
        "Jan  1 00:10:01 h sshd[7]: Connection closed by 192.0.2.2 port 2 [preauth]",
    ]
    events = [parser.parse(line, n) for n, line in enumerate(lines, 1)]
    last = events[-1]
    assert last is not None
    assert ("network", "ssh_preauth", None, "192.0.2.2") == (
        last.category,
        last.action,
        last.user_name,
        last.source_ip,
    )


def _weighted_failures(lines: list[tuple[int, str]]) -> tuple[int, int]:
    """Parse sshd lines; return (failure events, their total event.count)."""
    parser = SshdParser(year_rule=2024)
    events = [
        parser.parse(f"Mar  1 10:00:00 srv sshd[{pid}]: {msg}", n)
        for n, (pid, msg) in enumerate(lines, 1)
    ]
    failures = [
        e
        for e in events
        if e is not None and e.category == "authentication" and e.outcome == "failure"
    ]
    return len(failures), sum(e.count for e in failures)


PAM_FAIL = (
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
    "ruser= rhost=203.0.113.1"
)


@pytest.mark.parametrize(
    ("lines", "attempts"),
    [
        pytest.param(
            [
                (100, "Invalid user admin from 203.0.113.1 port 5000"),
                (100, "pam_unix(sshd:auth): check pass; user unknown"),
                (100, PAM_FAIL),
                (100, "Failed password for invalid user admin from 203.0.113.1 port 5000 ssh2"),
                (100, "Connection closed by invalid user admin 203.0.113.1 port 5000 [preauth]"),
            ],
            1,
            id="invalid-user-one-password",
        ),
        pytest.param(
            [
                (200, PAM_FAIL + " user=root"),
                (200, "Failed password for root from 203.0.113.1 port 1 ssh2"),
                (200, "Failed password for root from 203.0.113.1 port 1 ssh2"),
                (200, "Failed password for root from 203.0.113.1 port 1 ssh2"),
                (
                    200,
                    "error: maximum authentication attempts exceeded for root from "
                    "203.0.113.1 port 1 ssh2 [preauth]",
                ),
                (
                    200,
                    "Disconnecting authenticating user root 203.0.113.1 port 1: "
                    "Too many authentication failures [preauth]",
                ),
                (
                    200,
                    PAM_FAIL.replace(
                        "pam_unix(sshd:auth): authentication failure;",
                        "PAM 2 more authentication failures;",
                    )
                    + " user=root",
                ),
            ],
            3,
            id="root-three-passwords",
        ),
        pytest.param(
            [
                (300, "Failed publickey for git from 192.0.2.111 port 1 ssh2: RSA SHA256:x"),
                (300, "Failed publickey for git from 192.0.2.111 port 1 ssh2: RSA SHA256:y"),
                (300, "Disconnecting: Too many authentication failures for git [preauth]"),
                (300, "Connection closed by 192.0.2.111 port 1 [preauth]"),
            ],
            1,
            id="publickey-too-many",
        ),
        pytest.param(
            [
                (400, "Invalid user test from 203.0.113.2 port 2"),
                (400, "Failed none for invalid user test from 203.0.113.2 port 2 ssh2"),
                (400, "Connection closed by invalid user test 203.0.113.2 port 2 [preauth]"),
            ],
            1,
            id="enumeration",
        ),
        pytest.param(
            [
                (500, PAM_FAIL + " user=alice"),
                (500, "Failed password for alice from 203.0.113.3 port 3 ssh2"),
                (500, "Accepted password for alice from 203.0.113.3 port 3 ssh2"),
                (500, "Received disconnect from 203.0.113.3 port 3:11: disconnected by user"),
            ],
            1,
            id="typo-then-success",
        ),
    ],
)
def test_each_ssh_attempt_counts_once(lines, attempts):
    """Corroborating lines keep outcome failure but weigh 0, so rules count attempts."""
    events, weight = _weighted_failures(lines)
    assert events >= attempts
    assert attempts == weight
