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
