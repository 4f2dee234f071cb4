"""The parsers with the real default scrubber, as the pipeline wires them."""

from __future__ import annotations

import json

import pytest

from monitor.parsers import get_parser
from scrubber import get_default_scrubber


@pytest.fixture(scope="module")
def scrub_text():
    """The project's default scrubbing function."""
    return get_default_scrubber().scrub_text


def test_combined_keeps_no_pii_in_free_text(scrub_text):
    """E-mails and card numbers in path, query and agent never reach the event."""
    line = (
        '198.51.100.9 - alice [01/Mar/2024:10:00:00 +0000] "POST /users/bob@example.org/login'
        '?email=carol@example.com&card=4111111111111111 HTTP/1.1" 401 0 "-" '
        '"Mozilla/5.0 contact dave@example.net"'
    )
    event = get_parser("combined", scrub=scrub_text).parse(line, 1)
    assert event is not None
    dumped = json.dumps(event.to_ecs())
    for secret in ("bob@example.org", "carol@example.com", "4111111111111111", "dave@example"):
        assert secret not in dumped
    assert ("alice", "198.51.100.9") == (event.user_name, event.source_ip)


def test_admin_paths_survive_scrubbing(scrub_text):
    """Plain paths are unchanged, so path-based rules and login detection still work."""
    line = '198.51.100.9 - - [01/Mar/2024:10:00:00 +0000] "POST /admin/login HTTP/1.1" 403 0'
    event = get_parser("combined", scrub=scrub_text).parse(line, 1)
    assert event is not None
    assert ("/admin/login", "authentication", "failure") == (
        event.url_path,
        event.category,
        event.outcome,
    )


def test_json_user_agent_is_scrubbed(scrub_text):
    """JSON records get the same treatment of free text."""
    record = {
        "@timestamp": "2024-03-01T10:00:00Z",
        "url": {"original": "/export?to=erin@example.com"},
        "user_agent": {"original": "bot (ops: frank@example.com)"},
        "http": {"response": {"status_code": 200}},
    }
    event = get_parser("json", scrub=scrub_text).parse(json.dumps(record), 1)
    assert event is not None
    assert "erin@example.com" not in (event.url_query or "")
    assert "frank@example.com" not in (event.user_agent or "")


# Issue 9, "Encoded and stored forms": every free-text field, plain and encoded.
PLAIN_SECRETS = ("grace@example.com", "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32")
ENCODED = {
    "q=4111+1111+1111+1111": "4111",
    "iban=GB82+WEST+1234+5698+7654+32": "WEST",
    "to=john%2Esmith%40example%2Ecom": "smith",
    "to=john.smith%2540example.com": "smith",
    "card=4111%2D1111%2D1111%2D1111": "4111",
    "card=4111%201111%201111%201111": "4111",
}


def _dump(event) -> str:
    return json.dumps(event.to_ecs())


def test_json_fields_other_than_the_message_are_scrubbed(scrub_text):
    """event.action, host.name, service.name, user.id and source.domain hold no PII."""
    record = {
        "@timestamp": "2024-03-01T10:00:00Z",
        "event": {"action": "export to grace@example.com", "outcome": "failure"},
        "host": {"name": "card 4111 1111 1111 1111"},
        "service": {"name": "iban GB82 WEST 1234 5698 7654 32"},
        "user": {"id": "grace@example.com", "name": "grace"},
        "source": {"ip": "198.51.100.10", "domain": "grace@example.com"},
    }
    event = get_parser("json", scrub=scrub_text).parse(json.dumps(record), 1)
    assert event is not None
    dumped = _dump(event)
    for secret in PLAIN_SECRETS:
        assert secret not in dumped
    assert ("grace", "198.51.100.10") == (event.user_name, event.source_ip)


@pytest.mark.parametrize("query", sorted(ENCODED))
def test_encoded_query_values_are_scrubbed(scrub_text, query):
    """Percent- and plus-encoded PII in a query never reaches the stored event."""
    line = (
        f'198.51.100.9 - - [01/Mar/2024:10:00:00 +0000] "GET /search?{query} HTTP/1.1" 200 0 "-" '
        f'"agent/{query}"'
    )
    event = get_parser("combined", scrub=scrub_text).parse(line, 1)
    assert event is not None
    for value in (event.url_query, event.user_agent):
        assert value is not None
        assert ENCODED[query] not in value


@pytest.mark.parametrize("query", sorted(ENCODED))
def test_encoded_path_values_are_scrubbed(scrub_text, query):
    """Encoded PII in a URL path is scrubbed too (nginx error log)."""
    value = query.split("=", 1)[1]
    line = (
        f'2024/03/01 10:00:00 [error] 1#1: *1 user "bob": password mismatch, client: 198.51.100.9, '
        f'server: s, request: "GET /u/{value} HTTP/1.1", host: "h"'
    )
    event = get_parser("nginx-error", scrub=scrub_text).parse(line, 1)
    assert event is not None
    assert ENCODED[query] not in (event.url_path or "")


def test_plain_text_without_pii_is_kept_as_written(scrub_text):
    """Decoding is only for detection: a path without PII keeps its encoding."""
    line = '198.51.100.9 - - [01/Mar/2024:10:00:00 +0000] "GET /a%20b?x=1+2 HTTP/1.1" 200 0'
    event = get_parser("combined", scrub=scrub_text).parse(line, 1)
    assert event is not None
    assert ("/a%20b", "x=1+2") == (event.url_path, event.url_query)


def test_sshd_host_and_domain_are_scrubbed(scrub_text):
    """sshd's host name and a client's reverse-DNS name go through the scrubber."""
    line = "Mar  1 10:00:00 grace@example.com sshd[1]: Invalid user bob from 198.51.100.9 port 22"
    event = get_parser("sshd", scrub=scrub_text, year_rule=2024).parse(line, 1)
    assert event is not None
    assert "grace@example.com" not in _dump(event)
    assert ("bob", "198.51.100.9") == (event.user_name, event.source_ip)
