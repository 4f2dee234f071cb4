"""The Responder: matching, safety rails, escalation, expiry and idempotency."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from logward_base.errors import ConfigError, RevokeError
from logward_base.paths import rules_dir
from monitor import (
    Alert,
    AuditLog,
    Responder,
    open_store,
    parse_responses,
    pseudonym,
    reinstate,
)
from monitor.revokers import SqliteRevoker
from tests.monitor.respond._data import BASE


def make_alert(rule="acct-brute", keys=None, first_seen=1_700_000_000.0, **kw) -> Alert:
    return Alert(
        rule=rule,
        rule_version="v1",
        severity=kw.pop("severity", "high"),
        keys=keys if keys is not None else {"user.name": "bob"},
        count=kw.pop("count", 12),
        first_seen=first_seen,
        last_seen=first_seen + 30,
        window=300.0,
        evidence=(("auth.log", 3), ("auth.log", 7)),
        **kw,
    )


@pytest.fixture
def store(tmp_path):
    conn = open_store(tmp_path / "data")
    yield conn
    conn.close()


def fake_scrub(text: str) -> str:
    """A stand-in scrubber for unit tests: masks e-mail addresses and phone-like numbers."""
    text = re.sub(r"[\w.+-]+@[\w.-]+", "<EMAIL_ADDRESS>", text)
    return re.sub(r"\+?\d[\d ]{6,}\d", "<PHONE_NUMBER>", text)


def responder(store, clock, config=None, **kw) -> Responder:
    kw.setdefault("scrub", fake_scrub)
    return Responder(parse_responses(config or BASE, "responses.yaml"), store, clock=clock, **kw)


def actions(store):
    return [tuple(r) for r in store.execute("SELECT action, target, outcome FROM actions")]


class TestRevoke:
    def test_account_alert_revokes_in_store_and_audits(self, store, fake_clock):
        """A matching account alert disables the account and records revocation and audit."""
        results = responder(store, fake_clock).respond(make_alert())
        assert [("revoke_account", "bob", "done")] == [
            (r.action, r.target, r.outcome) for r in results
        ]
        assert 0 == store.execute("SELECT active FROM accounts WHERE name='bob'").fetchone()[0]
        row = store.execute("SELECT state, mode, expires_at, offences FROM revocations").fetchone()
        assert ("revoked", "temporary", fake_clock.now + 3600, 1) == tuple(row)
        kinds = [e.action for e in AuditLog(store).entries()]
        assert ["alert", "revoke"] == kinds
        assert "logward accounts reinstate bob --reason TEXT" == results[0].reverse

    def test_same_alert_twice_does_nothing_new(self, store, fake_clock):
        """Processing one alert id twice returns the stored results and writes nothing."""
        resp = responder(store, fake_clock)
        first = resp.respond(make_alert())
        second = resp.respond(make_alert())
        assert first == second
        assert 2 == store.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        assert 1 == store.execute("SELECT COUNT(*) FROM actions").fetchone()[0]

    def test_already_revoked_account_is_skipped(self, store, fake_clock):
        """A second alert for a revoked account is recorded as skipped, not revoked twice."""
        resp = responder(store, fake_clock)
        resp.respond(make_alert())
        again = resp.respond(make_alert(first_seen=1_700_000_100.0))
        assert ("skipped", "account already revoked") == (again[0].outcome, again[0].reason)
        assert 1 == store.execute("SELECT offences FROM revocations").fetchone()[0]

    def test_graver_alert_extends_a_temporary_revocation(self, store, fake_clock):
        """A compromise alert during a temporary revocation makes it until_reviewed, no new call."""
        resp = responder(store, fake_clock)
        resp.respond(make_alert())
        action = {"type": "revoke_account", "revoker": "embedded", "mode": "until_reviewed"}
        data = {**BASE, "responses": [{"name": "grave", "actions": [action]}]}
        grave = responder(store, fake_clock, config=data).respond(
            make_alert(rule="success-after-failures", first_seen=1_700_000_200.0)
        )[0]
        assert ("done", "already revoked: extended to until_reviewed") == (
            grave.outcome, grave.reason,
        )  # fmt: skip
        row = store.execute("SELECT mode, expires_at, offences FROM revocations").fetchone()
        assert ("until_reviewed", None, 1) == tuple(row)
        fake_clock.advance(86400)
        assert [] == resp.expire_due()

    def test_allow_listed_account_is_skipped_but_alert_recorded(self, store, fake_clock):
        """A break-glass account is never revoked; the alert and the skip are recorded."""
        result = responder(store, fake_clock).respond(make_alert(keys={"user.name": "breakglass"}))
        assert ("skipped", "account on the allow-list") == (result[0].outcome, result[0].reason)
        assert 1 == store.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        assert store.execute("SELECT 1 FROM revocations").fetchone() is None

    def test_trusted_cidr_is_skipped(self, store, fake_clock):
        """An alert keyed by an address in a trusted CIDR takes no action."""
        alert = make_alert(keys={"user.name": "eve", "source.ip": "10.1.2.3"})
        result = responder(store, fake_clock).respond(alert)
        assert ("skipped", "address in a trusted CIDR") == (result[0].outcome, result[0].reason)

    def test_cap_limits_automatic_revocations_per_window(self, store, fake_clock):
        """Beyond the cap, alerts are recorded only; after the window revocations resume."""
        resp = responder(store, fake_clock)
        outcomes = [
            resp.respond(make_alert(keys={"user.name": f"admin{i}"}))[0].outcome for i in range(4)
        ]
        assert ["done", "done", "skipped", "skipped"] == outcomes
        assert 2 == store.execute("SELECT COUNT(*) FROM revocations").fetchone()[0]
        fake_clock.advance(3601)
        assert "done" == resp.respond(make_alert(keys={"user.name": "admin9"}))[0].outcome

    def test_made_up_accounts_cannot_exhaust_the_cap_for_real_ones(self, store, fake_clock):
        """Forged alerts on unknown names use up only the 'unknown' budget; bob is still revoked."""
        store.execute("INSERT INTO accounts (name, active, updated_at) VALUES ('bob', 1, 0)")
        store.commit()
        resp = responder(store, fake_clock)
        ghosts = [
            resp.respond(make_alert(keys={"user.name": f"ghost{i}"}))[0].outcome for i in range(5)
        ]
        assert ["done", "done", "skipped", "skipped", "skipped"] == ghosts
        result = resp.respond(make_alert(rule="acct-brute", keys={"user.name": "bob"}))[0]
        assert ("done", "known") == (result.outcome, result.budget)

    def test_dry_run_flag_simulates_and_calls_nothing(self, store, fake_clock):
        """The global dry-run records 'simulated' and changes no account."""
        result = responder(store, fake_clock, dry_run=True).respond(make_alert())
        assert "simulated" == result[0].outcome
        assert store.execute("SELECT 1 FROM accounts").fetchone() is None
        assert 1 == store.execute("SELECT dry_run FROM alerts").fetchone()[0]

    def test_per_response_dry_run(self, store, fake_clock):
        """dry_run: true on a response simulates only that response."""
        result = responder(store, fake_clock).respond(make_alert(rule="sim-x"))
        assert "simulated" == result[0].outcome
        assert store.execute("SELECT 1 FROM revocations").fetchone() is None

    def test_ip_keyed_alert_goes_to_denylist_not_account(self, store, fake_clock):
        """revoke_account on an address-only alert deny-lists the address."""
        result = responder(store, fake_clock).respond(
            make_alert(rule="ip-brute", keys={"source.ip": "203.0.113.9"})
        )
        assert [("deny_ip", "203.0.113.9", "done")] == actions(store)
        assert "ip-keyed alert: deny-list" == result[0].reason
        assert store.execute("SELECT 1 FROM revocations").fetchone() is None

    def test_unmatched_alert_is_alert_only(self, store, fake_clock):
        """An alert no response matches is recorded and audited with alert_only."""
        responder(store, fake_clock).respond(make_alert(rule="other"))
        assert [("alert_only", "user.name=bob", "done")] == actions(store)


class FlakyRevoker:
    """A revoker failing a set number of times: retryable RevokeError, or OSError holding PII."""

    name = "embedded"

    def __init__(self, failures: int, retryable: bool) -> None:
        self.failures = failures
        self.retryable = retryable
        self.calls = 0

    def revoke(self, account, alert):
        self.calls += 1
        if self.calls <= self.failures:
            if self.retryable:
                raise RevokeError("revoker 'embedded': revoke answered HTTP 503", retryable=True)
            raise OSError("connection to jane.doe@example.com refused, call +1 555 123 4567")

    def reinstate(self, account, reason):
        raise RevokeError("revoker 'embedded': reinstate answered HTTP 503")


class TestFailures:
    def test_failure_is_recorded_scrubbed_and_does_not_raise(self, store, fake_clock):
        """A failing revoker yields 'failed' with a scrubbed error, audited, no exception."""
        flaky = FlakyRevoker(failures=5, retryable=False)
        resp = responder(store, fake_clock, revokers={"embedded": flaky})
        result = resp.respond(make_alert())[0]
        assert "failed" == result.outcome
        assert result.error is not None
        assert result.error.startswith("OSError: ")
        audit_text = store.execute("SELECT group_concat(detail) FROM audit").fetchone()[0]
        for secret in ("jane.doe@example.com", "555 123 4567"):
            assert secret not in audit_text
            assert secret not in result.error
        assert store.execute("SELECT 1 FROM revocations").fetchone() is None
        assert 1 == flaky.calls

    def test_retryable_failure_is_retried(self, store, fake_clock):
        """A retryable error is tried again (retry_attempts, default 2) and then succeeds."""
        flaky = FlakyRevoker(failures=1, retryable=True)
        slept: list[float] = []
        resp = responder(store, fake_clock, revokers={"embedded": flaky}, sleep=slept.append)
        assert "done" == resp.respond(make_alert())[0].outcome
        assert (2, [0.01]) == (flaky.calls, slept)


class TestReinstateAndExpiry:
    def test_reinstate_needs_actor_and_reason(self, store, fake_clock):
        """Reinstatement without a reason or actor is refused."""
        responder(store, fake_clock).respond(make_alert())
        revokers = {"embedded": SqliteRevoker(store)}
        with pytest.raises(ConfigError):
            reinstate(store, "bob", "cli:alice", "  ", revokers)
        with pytest.raises(ConfigError):
            reinstate(store, "bob", "", "checked", revokers)

    def test_reinstate_reenables_and_audits(self, store, fake_clock):
        """reinstate() enables the account, updates revocations and audits actor and reason."""
        responder(store, fake_clock).respond(make_alert())
        result = reinstate(
            store,
            "bob",
            "cli:alice",
            "verified by phone",
            {"embedded": SqliteRevoker(store)},
            scrub=fake_scrub,
        )
        assert "done" == result.outcome
        assert 1 == store.execute("SELECT active FROM accounts WHERE name='bob'").fetchone()[0]
        row = store.execute("SELECT state, reinstated_by, reason FROM revocations").fetchone()
        assert ("reinstated", "cli:alice", "verified by phone") == tuple(row)
        last = list(AuditLog(store).entries())[-1]
        bob = pseudonym(store, "account", "bob")  # subjects by pseudonym (issue 12)
        assert ("cli:alice", "reinstate", bob) == (last.actor, last.action, last.subject)
        assert "verified by phone" == last.detail["why"]

    def test_reinstate_of_unrevoked_account_fails(self, store):
        """Reinstating an account that is not revoked is an error."""
        with pytest.raises(RevokeError, match="not revoked"):
            reinstate(store, "nobody", "cli:alice", "why", {})

    def test_reinstate_failure_keeps_revocation_and_audits(self, store, fake_clock):
        """A revoker failing on reinstate leaves the account revoked, audited as failed."""
        flaky = FlakyRevoker(failures=0, retryable=False)
        resp = responder(store, fake_clock, revokers={"embedded": flaky})
        resp.respond(make_alert())
        with pytest.raises(RevokeError, match="could not reinstate"):
            resp.reinstate("bob", "cli:alice", "reviewed")
        assert "revoked" == store.execute("SELECT state FROM revocations").fetchone()[0]
        last = list(AuditLog(store).entries())[-1]
        assert "failed" == last.detail["outcome"]

    def test_temporary_revocation_expires(self, store, fake_clock):
        """expire_due() reinstates due temporary revocations as monitor/expired."""
        resp = responder(store, fake_clock)
        resp.respond(make_alert())
        assert [] == resp.expire_due()
        fake_clock.advance(3600)
        assert ["bob"] == [r.target for r in resp.expire_due()]
        row = store.execute("SELECT state, reinstated_by, reason FROM revocations").fetchone()
        assert ("reinstated", "monitor", "expired") == tuple(row)

    def test_lapsed_revocation_ends_before_the_next_alert(self, store, fake_clock):
        """Without an explicit expire_due(), a new alert after expiry re-revokes (escalated)."""
        resp = responder(store, fake_clock)
        resp.respond(make_alert())
        fake_clock.advance(7200)
        second = resp.respond(make_alert(first_seen=fake_clock.now))[0]
        assert ("done", "until_reviewed", 2) == (second.outcome, second.mode, second.offences)
        actions = [e.action for e in AuditLog(store).entries()]
        assert ["alert", "revoke", "reinstate", "alert", "revoke"] == actions

    def test_second_offence_escalates_to_until_reviewed(self, store, fake_clock):
        """A repeat offender's next revocation is until_reviewed and never expires."""
        resp = responder(store, fake_clock)
        resp.respond(make_alert())
        fake_clock.advance(3600)
        resp.expire_due()
        second = resp.respond(make_alert(first_seen=fake_clock.now))[0]
        assert ("done", "until_reviewed", 2) == (second.outcome, second.mode, second.offences)
        assert "repeat offence: escalated" == second.reason
        fake_clock.advance(10 * 86400)
        assert [] == resp.expire_due()


class TestShippedConfig:
    def test_from_config_with_shipped_file(self, store, fake_clock):
        """from_config(None) uses rules/responses.yaml: compromise revokes until reviewed."""
        resp = Responder.from_config(None, store, clock=fake_clock)
        alert = make_alert(rule="success-after-failures", severity="critical")
        out = [r.to_json() for r in resp.respond(alert)]
        assert ["revoke_account", "notify"] == [o["action"] for o in out]
        assert "until_reviewed" == out[0]["mode"]
        json.dumps(out)

    def test_shipped_ip_rule_denies_address(self, store, fake_clock, tmp_path):
        """brute-force-ip alerts deny-list the address for 24h and export the file."""
        resp = Responder.from_config(None, store, clock=fake_clock)
        resp.respond(make_alert(rule="brute-force-ip", keys={"source.ip": "198.51.100.7"}))
        text = (Path(tmp_path / "data") / "denylist.txt").read_text()
        assert "198.51.100.7\n" == text
        assert yaml.safe_load((rules_dir() / "responses.yaml").read_text())["version"] == 1
