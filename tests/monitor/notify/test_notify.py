"""Notifications reach real receivers: signed webhooks, chat webhooks, retries, digests, no PII."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

import pytest

from logward_base.errors import RuleError
from monitor import open_store
from monitor.notify import Notifier, parse_notify
from scrubber import scrub_text
from tests.monitor.notify.conftest import make_alert

EVIDENCE = re.compile(r'user\.name(=|": ?")(dave|pseud-[0-9a-f]{12})')
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def _config(receiver_url: str, **extra):
    raw = {
        "cooldown": "15m",
        "retry": {"attempts": 4, "backoff": "10ms"},
        "dashboard_url": "https://logward.example.internal/",
        "channels": {
            "chat": {"type": "slack", "url": receiver_url + "/slack"},
            "soc": {
                "type": "webhook",
                "url": receiver_url + "/soc",
                "secret": {"env": "NTF_SECRET"},
            },
        },
        **extra,
    }
    return parse_notify(raw, "responses.yaml")


def _rows(data_dir, sql: str) -> list[tuple[object, ...]]:
    conn = open_store(data_dir)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def test_slack_and_signed_webhooks_arrive_signed(tmp_path, receiver, monkeypatch, fake_clock):
    """A critical alert reaches both webhooks; the Standard Webhooks signature verifies."""
    monkeypatch.setenv("NTF_SECRET", SECRET)
    notifier = Notifier(_config(receiver.url), tmp_path, clock=fake_clock)
    alert = make_alert()
    notifier.submit(alert, [("revoke_account", "done")], notifier.channels_for(alert, []))
    notifier.close()
    hits = {h.path: h for h in receiver.ok()}
    assert {"/slack", "/soc"} == set(hits)
    assert "success-after-failures" in hits["/slack"].json()["text"]
    soc = hits["/soc"]
    signed = f"{soc.headers['webhook-id']}.{soc.headers['webhook-timestamp']}.".encode() + soc.body
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert expected == soc.headers["webhook-signature"]
    data = soc.json()["data"]
    assert {"user.name": "dave"} == data["evidence"]
    assert [{"action": "revoke_account", "outcome": "done"}] == data["actions"]
    assert "2023-11-15T22:13:20.000Z" == data["report_deadline"]
    assert data["dashboard"].startswith("https://logward.example.internal/alerts/")
    sent = _rows(tmp_path, "SELECT channel, state FROM notifications ORDER BY channel")
    assert [("chat", "sent"), ("soc", "sent")] == sent


def test_receiver_failing_twice_gets_exactly_one_message(tmp_path, monkeypatch, fake_clock):
    """Two 503s, then success: three attempts with one id, one message delivered, audited."""
    from tests.monitor.notify._receivers import HttpReceiver

    monkeypatch.setenv("NTF_SECRET", SECRET)
    flaky = HttpReceiver(fail=2)
    try:
        config = _config(flaky.url, critical=["soc"])
        notifier = Notifier(config, tmp_path, clock=fake_clock)
        alert = make_alert()
        notifier.submit(alert, [], notifier.channels_for(alert, []))
        notifier.close()
    finally:
        flaky.stop()
    assert [503, 503, 200] == [h.status for h in flaky.hits]
    assert 1 == len({h.headers["webhook-id"] for h in flaky.hits})
    assert [("sent", 3)] == _rows(tmp_path, "SELECT state, attempts FROM notifications")
    assert [("notify_sent",)] == _rows(
        tmp_path, "SELECT action FROM audit WHERE action LIKE 'notify%'"
    )


def test_failures_are_recorded_and_audited(tmp_path, monkeypatch, fake_clock):
    """A receiver that never answers 2xx: the failure is stored and audited, nothing raised."""
    from tests.monitor.notify._receivers import HttpReceiver

    monkeypatch.setenv("NTF_SECRET", SECRET)
    down = HttpReceiver(fail=100)
    try:
        notifier = Notifier(_config(down.url, critical=["chat"]), tmp_path, clock=fake_clock)
        alert = make_alert()
        notifier.submit(alert, [], notifier.channels_for(alert, []))
        notifier.close()
    finally:
        down.stop()
    assert 4 == len(down.hits)
    rows = _rows(tmp_path, "SELECT state, attempts, error FROM notifications")
    assert [("failed", 4, "channel 'chat': POST notification answered HTTP 503")] == rows
    assert [("notify_failed",)] == _rows(
        tmp_path, "SELECT action FROM audit WHERE action LIKE 'notify%'"
    )


def test_repeats_within_the_cooldown_become_one_digest(tmp_path, receiver, monkeypatch, fake_clock):
    """Five alerts for one rule and key in the cool-down: one message, then one digest of four."""
    monkeypatch.setenv("NTF_SECRET", SECRET)
    notifier = Notifier(_config(receiver.url, critical=["chat"]), tmp_path, clock=fake_clock)
    for i in range(5):
        alert = make_alert(first_seen=1_700_000_000.0 + i * 60)
        notifier.submit(alert, [], notifier.channels_for(alert, []))
        fake_clock.advance(60)
    notifier.close()
    texts = [h.json()["text"] for h in receiver.ok()]
    assert 2 == len(texts)
    assert "digest: 4 more alerts" in texts[1]


def test_messages_hold_no_pii_beyond_the_evidence_fields(
    tmp_path, receiver, monkeypatch, fake_clock
):
    """Free text and other keys never go out; pseudonymised evidence hides even the account."""
    monkeypatch.setenv("NTF_SECRET", SECRET)
    monkeypatch.setenv("NTF_PSEUDO", "a-pseudonym-key-for-tests")
    alert = make_alert(keys={"user.name": "dave", "url.query": "email=jane@example.com"})
    plain = Notifier(_config(receiver.url), tmp_path, clock=fake_clock)
    plain.submit(alert, [("revoke_account", "done")], plain.channels_for(alert, []))
    plain.close()
    pseudo_cfg = _config(receiver.url, pseudonymise=True, pseudonym_key={"env": "NTF_PSEUDO"})
    pseudo = (
        Notifier(pseudo_cfg, tmp_path / "p", clock=fake_clock)
        if (tmp_path / "p").mkdir() is None
        else None
    )
    assert pseudo is not None
    pseudo.submit(alert, [], pseudo.channels_for(alert, []))
    pseudo.close()
    bodies = [h.body.decode() for h in receiver.ok()]
    assert 4 == len(bodies)
    for body in bodies:
        assert "jane@example.com" not in body
        assert "198.51.100.7" not in body
        # The configured evidence field is allowed through; nothing else may be PII.
        leftover = EVIDENCE.sub("", body)
        assert leftover == scrub_text(leftover), "a detector found PII in a notification"
    assert all("dave" not in b and "pseud-" in b for b in bodies[2:])


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            {"channels": {"m": {"type": "email", "host": "h", "sender": "a@b"}}},
            "notify.channels.m.recipients",
        ),
        ({"channels": {"m": {"type": "fax"}}}, "notify.channels.m.type"),
        (
            {"channels": {"w": {"type": "webhook", "url": "http://x/", "secret": "whsec_literal"}}},
            "notify.channels.w.secret",
        ),
        ({"channels": {"s": {"type": "slack", "url": "ftp://x/"}}}, "notify.channels.s.url"),
        ({"cooldwn": "1m"}, "notify.cooldwn"),
        ({"pseudonymise": True}, "notify.pseudonym_key"),
        ({"critical": ["nope"]}, "notify.critical"),
    ],
)
def test_invalid_notify_config_names_file_and_field(raw, field):
    """Strict validation: every error names the file and the field."""
    with pytest.raises(RuleError) as info:
        parse_notify(raw, "responses.yaml")
    assert "responses.yaml" in str(info.value)
    assert field in str(info.value)


def test_notify_action_must_name_a_configured_channel(tmp_path):
    """An action naming a channel missing from notify.channels is refused at load time."""
    from monitor import parse_responses

    doc = {
        "responses": [{"name": "r", "actions": [{"type": "notify", "channel": "pager"}]}],
        "notify": {"channels": {}},
    }
    with pytest.raises(RuleError, match=re.escape("actions[0].channel")):
        parse_responses(doc, "responses.yaml")
    assert json.dumps(doc)


def test_email_is_not_sent_in_clear_when_starttls_is_missing(tmp_path, fake_clock):
    """A server without STARTTLS gets nothing: the delivery fails at once, recorded."""
    from aiosmtpd.controller import Controller

    from tests.monitor.notify._receivers import Mailbox, free_port

    mailbox, port = Mailbox(), free_port()
    plain = Controller(mailbox, hostname="127.0.0.1", port=port)
    plain.start()
    try:
        channel = {
            "type": "email",
            "host": "127.0.0.1",
            "port": port,
            "sender": "logward@example.internal",
            "recipients": ["secops@example.internal"],
        }
        config = parse_notify({"channels": {"mail": channel}}, "responses.yaml")
        notifier = Notifier(config, tmp_path, clock=fake_clock)
        alert = make_alert()
        notifier.submit(alert, [], notifier.channels_for(alert, []))
        notifier.close()
    finally:
        plain.stop()
    assert [] == mailbox.messages
    rows = _rows(tmp_path, "SELECT state, attempts, error FROM notifications")
    assert [("failed", 1, "channel 'mail': the server does not offer STARTTLS")] == rows
