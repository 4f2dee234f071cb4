"""Erasure finds the subject glued into other text, and leaves longer words alone."""

from __future__ import annotations

import json
import re

import pytest

from monitor import AuditLog, SubjectMatcher, open_store, pseudonym
from tests.monitor._bytescan import plaintext_hits
from tests.monitor.test_erase import _dump
from tests.monitor.test_store_crypto import logward as _cli

SUBJECT = "alice"
GLUED = [
    "user=alice;",
    "alice@host",
    '"alice"',
    "user%3Dalice%26x",
    "/accounts/alice",
    "ALICE.",
    "(alice)",
    "alice:secret",
]
UNRELATED = ["malice", "alice.smith", "alice_b", "bob-alice2"]
# "alice" as a token: not inside a longer word or name.
_TOKEN = re.compile(r"(?<![\w.-])alice(?![\w]|[.-]\w)", re.IGNORECASE)


@pytest.mark.parametrize("text", GLUED)
def test_matcher_finds_glued_forms(text):
    """Every glued form of the subject is found and replaced."""
    new, changed = SubjectMatcher(SUBJECT).replace(text, "P")
    assert (True, 0) == (changed, new.lower().count("alice"))


@pytest.mark.parametrize("text", UNRELATED)
def test_matcher_leaves_longer_words(text):
    """The subject inside a longer word or a longer name is not the subject."""
    assert (text, False) == SubjectMatcher(SUBJECT).replace(text, "P")


def test_matcher_handles_addresses_and_url_encoding():
    """An address with a port or in brackets matches; a longer address does not."""
    m = SubjectMatcher("10.0.0.1")
    assert m.found("from=10.0.0.1:443")
    assert m.found("[10.0.0.1]")
    assert not m.found("10.0.0.12")
    assert not m.found("110.0.0.1")
    assert SubjectMatcher("a@b.c").found("user=a%40b.c&x=1")
    assert not SubjectMatcher("2001:db8::1").found("2001:db8::1:5")


@pytest.fixture
def glued_store(tmp_path):
    """A store holding the subject glued into event docs, alerts, actions and old audit entries."""
    data = tmp_path / "data"
    conn = open_store(data)
    text = " ".join(GLUED)
    other = " ".join(UNRELATED)
    for i, body in enumerate([text, other]):
        conn.execute(
            "INSERT INTO events (ts, category, action, outcome, user_name, doc)"
            " VALUES (?, 'web', 'get', 'success', 'bob', ?)",
            (1000.0 + i, json.dumps({"message": body, "user": {"name": "bob"}})),
        )
    conn.execute(
        "INSERT INTO alerts (id, rule, rule_version, severity, keys, key_text, count,"
        " first_seen, last_seen, created_at, evidence) VALUES ('a1', 'r', '1', 'low',"
        " '{\"user.name\": \"bob\"}', 'user.name=bob', 1, 1, 1, 1, ?)",
        (json.dumps({"events": [{"message": text}, {"message": other}]}),),
    )
    conn.execute(
        "INSERT INTO actions (alert_id, action, target, outcome, detail, created_at)"
        " VALUES ('a1', 'notify', 'bob', 'done', ?, 1)",
        (json.dumps({"reverse": "logward accounts reinstate alice", "note": other}),),
    )
    conn.commit()
    pseudonym(conn, "search", "user.name=alice;")  # a dashboard filter, resolvable
    audit = AuditLog(conn, clock=lambda: 1.0)
    audit.append("dashboard:ops", "page_view", "/accounts/alice", {"query": "name=alice;x"})
    audit.append("monitor", "alert", "user.name=bob", {"note": other})
    conn.close()
    return data


def test_erase_removes_glued_subject_everywhere_but_not_longer_words(glued_store):
    """After erase the decrypted store has no token 'alice'; 'malice', 'alice.smith' stay."""
    assert _TOKEN.search(_dump(glued_store))
    result = _cli("erase", "--account", SUBJECT, "--actor", "dpo", "--reason", "r",
                  "--data-dir", str(glued_store))  # fmt: skip
    assert 0 == result.returncode, result.stderr
    erased = json.loads(result.stdout)["erased"]
    assert (1, 1, 1, 1) == (
        erased["events"],
        erased["alerts"],
        erased["actions"],
        erased["audit"],
    )
    dump = _dump(glued_store)
    assert [] == _TOKEN.findall(dump)
    assert "%3dalice" not in dump.lower()
    for word in UNRELATED:
        assert word in dump
    assert {} == plaintext_hits(glued_store, [SUBJECT, "bob"])
    verify = _cli("audit", "verify", "--data-dir", str(glued_store))
    assert 0 == verify.returncode, verify.stdout + verify.stderr
