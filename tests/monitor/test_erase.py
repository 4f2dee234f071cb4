"""Erasure on request: the subject's events go, everything else names it by pseudonym."""

from __future__ import annotations

import json

import pytest

from monitor import AuditLog, open_store
from tests.monitor._bytescan import plaintext_hits
from tests.monitor.test_store_crypto import ACCOUNTS, ADDRESSES, write_log
from tests.monitor.test_store_crypto import logward as _cli

TARGET_ACCOUNT = ACCOUNTS[0]
TARGET_IP = ADDRESSES[1]


def _dump(data) -> str:
    """Every row of every table, decrypted, as text (what the key holder can see)."""
    conn = open_store(data)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(tuple(row))
            for t in tables
            for row in conn.execute(f"SELECT * FROM {t}")  # noqa: S608 - names from the schema
        )
    finally:
        conn.close()


@pytest.fixture
def replayed(tmp_path):
    """A store after replaying the distinctive log, with accounts revoked and the audit chain."""
    data = tmp_path / "data"
    log = write_log(tmp_path / "access.jsonl")
    result = _cli("monitor", "replay", "--format", "json", "--data-dir", str(data), str(log))
    assert 0 == result.returncode, result.stderr
    return data


def test_dry_run_counts_and_changes_nothing(replayed):
    """--dry-run prints counts and leaves the store as it was."""
    before = _dump(replayed)
    result = _cli("erase", "--account", TARGET_ACCOUNT, "--actor", "dpo", "--reason", "r",
                  "--data-dir", str(replayed), "--dry-run")  # fmt: skip
    assert 0 == result.returncode, result.stderr
    counts = json.loads(result.stdout)["would_erase"]
    assert 0 < counts["events"]
    assert TARGET_ACCOUNT not in result.stdout + result.stderr
    after = _dump(replayed)
    assert before.count(TARGET_ACCOUNT) == after.count(TARGET_ACCOUNT)


@pytest.mark.parametrize(("flag", "subject"), [("--account", TARGET_ACCOUNT), ("--ip", TARGET_IP)])
def test_erase_leaves_no_trace_and_the_chain_verifies(replayed, flag, subject):
    """After erase the decrypted store holds no trace of the subject; audit verify passes."""
    assert subject in _dump(replayed)
    others = [a for a in ACCOUNTS + ADDRESSES if a != subject]
    result = _cli("erase", flag, subject, "--actor", "dpo:alice", "--reason", "ticket 42",
                  "--data-dir", str(replayed))  # fmt: skip
    assert 0 == result.returncode, result.stderr
    erased = json.loads(result.stdout)["erased"]
    assert 0 < erased["events"]
    assert subject not in result.stdout + result.stderr
    dump = _dump(replayed)
    assert 0 == dump.count(subject)
    assert erased["pseudonym"] in dump
    assert any(o in dump for o in others)  # only the subject went
    assert {} == plaintext_hits(replayed, ACCOUNTS + ADDRESSES)
    verify = _cli("audit", "verify", "--data-dir", str(replayed))
    assert 0 == verify.returncode, verify.stdout + verify.stderr
    conn = open_store(replayed)
    row = conn.execute("SELECT actor, subject, detail FROM audit ORDER BY seq DESC LIMIT 1")
    actor, subj, detail = tuple(row.fetchone())
    conn.close()
    assert ("dpo:alice", erased["pseudonym"]) == (actor, subj)
    assert "ticket 42" == json.loads(detail)["reason"]


def test_erased_account_alerts_keep_their_shape_under_the_pseudonym(replayed):
    """Alerts about the account stay (counts, rule) with the pseudonym in keys and key_text."""
    conn = open_store(replayed)
    n_alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    conn.close()
    result = _cli("erase", "--account", TARGET_ACCOUNT, "--actor", "dpo", "--reason", "r",
                  "--data-dir", str(replayed))  # fmt: skip
    pseud = json.loads(result.stdout)["erased"]["pseudonym"]
    conn = open_store(replayed)
    assert n_alerts == conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    rows = conn.execute("SELECT keys, key_text FROM alerts WHERE instr(key_text, ?)", (pseud,))
    for keys, key_text in rows:
        assert pseud in json.loads(keys).values()
        assert f"user.name={pseud}" in key_text.split(" ")
    assert AuditLog(conn).verify().ok
    conn.close()


def test_erase_requires_actor_and_reason(replayed):
    """Missing --actor or --reason is a usage error."""
    result = _cli("erase", "--account", TARGET_ACCOUNT, "--data-dir", str(replayed))
    assert 2 == result.returncode


def test_erasing_a_deny_listed_address_rewrites_the_deny_list_file(replayed):
    """The deny-list file (plaintext by design) no longer lists an erased address."""
    denylist = replayed / "denylist.txt"
    assert TARGET_IP in denylist.read_text()
    result = _cli("erase", "--ip", TARGET_IP, "--actor", "dpo", "--reason", "r",
                  "--data-dir", str(replayed))  # fmt: skip
    assert 1 == json.loads(result.stdout)["erased"]["deny_list"]
    assert TARGET_IP not in denylist.read_text()


def test_erase_rejects_a_malformed_address(replayed):
    """--ip must be one address; anything else is a usage error naming the flag."""
    result = _cli("erase", "--ip", "not-an-ip", "--actor", "dpo", "--reason", "r",
                  "--data-dir", str(replayed))  # fmt: skip
    assert (2, "logward: error: --ip: not an IP address\n") == (result.returncode, result.stderr)
