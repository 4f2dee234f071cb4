"""The audit trail the responder writes: complete, chained, scrubbed, tamper-evident."""

from __future__ import annotations

import pytest

from monitor import Alert, AuditLog, Responder, open_store, pseudonym

ALERT = Alert(
    rule="success-after-failures",
    rule_version="abc123",
    severity="critical",
    keys={"user.name": "bob"},
    count=6,
    first_seen=1_700_000_000.0,
    last_seen=1_700_000_042.0,
    window=600.0,
    evidence=(("auth.log", 10), ("auth.log", 16)),
)


@pytest.fixture
def flow(tmp_path, fake_clock):
    """Revoke bob via the shipped responses, then reinstate him with a PII-laden reason."""
    conn = open_store(tmp_path)
    resp = Responder.from_config(None, conn, clock=fake_clock)
    resp.respond(ALERT)
    fake_clock.advance(60)
    resp.reinstate(
        "bob", "dashboard:alice", "called him on +44 20 7946 0958, mail bob@corp.example"
    )
    yield conn
    conn.close()


def test_alert_action_and_reinstatement_are_chained(flow):
    """Alert, revoke, notify and reinstate are appended in order and the chain verifies."""
    log = AuditLog(flow)
    assert ["alert", "revoke", "notify", "reinstate"] == [e.action for e in log.entries()]
    status = log.verify()
    assert (True, 4) == (status.ok, status.entries)


def test_revocation_entry_says_who_what_why_when_and_how_to_reverse(flow, fake_clock):
    """The revoke entry carries actor, target, rule+version, evidence window and refs, reverse."""
    entry = next(e for e in AuditLog(flow).entries() if e.action == "revoke")
    bob = pseudonym(flow, "account", "bob")  # subjects by pseudonym (issue 12)
    assert ("monitor", bob, fake_clock.now - 60) == (entry.actor, entry.subject, entry.ts)
    d = entry.detail
    assert ("success-after-failures", "abc123", "critical") == (
        d["rule"], d["rule_version"], d["severity"],
    )  # fmt: skip
    assert ("done", "until_reviewed", "embedded") == (d["outcome"], d["mode"], d["revoker"])
    assert ALERT.id == d["alert_id"]
    assert {
        "count": 6,
        "distinct": None,
        "window_seconds": 600.0,
        "first_seen": "2023-11-14T22:13:20.000Z",
        "last_seen": "2023-11-14T22:14:02.000Z",
        "events": [{"file": "auth.log", "line": 10}, {"file": "auth.log", "line": 16}],
    } == d["evidence"]
    assert f"logward accounts reinstate {bob} --reason TEXT" == d["reverse"]
    assert d["responses_version"]


def test_reinstatement_reason_is_scrubbed(flow):
    """Free-text reasons are scrubbed before they reach the audit log or revocations."""
    last = list(AuditLog(flow).entries())[-1]
    assert ("dashboard:alice", pseudonym(flow, "account", "bob")) == (last.actor, last.subject)
    stored = flow.execute("SELECT group_concat(detail) FROM audit").fetchone()[0]
    stored += flow.execute("SELECT reason FROM revocations").fetchone()[0]
    for pii in ("7946 0958", "bob@corp.example"):
        assert pii not in stored
    assert "called him on <PHONE_NUMBER>, mail <EMAIL_ADDRESS>" == last.detail["why"]


def test_tampering_with_an_action_breaks_the_chain(flow):
    """Rewriting an action's outcome in the audit table is detected at that seq."""
    flow.execute(
        "UPDATE audit SET detail = replace(detail, '\"done\"', '\"skipped\"') WHERE seq = 2"
    )
    flow.commit()
    status = AuditLog(flow).verify()
    assert (False, 2) == (status.ok, status.first_bad_seq)


def test_dry_run_is_marked_in_the_audit(tmp_path, fake_clock):
    """Simulated actions are audited as simulated with dry_run true."""
    conn = open_store(tmp_path)
    Responder.from_config(None, conn, clock=fake_clock, dry_run=True).respond(ALERT)
    entries = list(AuditLog(conn).entries())
    conn.close()
    assert [True, True, True] == [e.detail["dry_run"] for e in entries]
    assert "simulated" == entries[1].detail["outcome"]
