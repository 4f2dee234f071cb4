"""New audit entries name accounts and addresses only by keyed pseudonym (issue 12)."""

from __future__ import annotations

import json

from monitor import AuditLog, open_store, pseudonym, resolve_pseudonyms
from tests.monitor._bytescan import plaintext_hits
from tests.monitor.test_store_crypto import ACCOUNTS, ADDRESSES, replayed  # noqa: F401 - fixture
from tests.monitor.test_store_crypto import logward as _cli


def _audit_text(data) -> str:
    """Every audit entry, decrypted, as text."""
    conn = open_store(data)
    try:
        return "\n".join(
            repr(tuple(r)) for r in conn.execute("SELECT actor, subject, detail FROM audit")
        )
    finally:
        conn.close()


def test_replayed_audit_entries_hold_no_raw_subject(replayed):  # noqa: F811
    """After a replay with revocations and deny-list entries, the decrypted chain has no raw id."""
    data, _ = replayed
    text = _audit_text(data)
    assert {"revoke", "deny_ip", "alert"} <= _actions(data)
    for raw in ACCOUNTS + ADDRESSES:
        assert raw.lower() not in text.lower()
    assert "pseud:" in text
    assert {} == plaintext_hits(data, ACCOUNTS + ADDRESSES)
    verify = _cli("audit", "verify", "--data-dir", str(data))
    assert 0 == verify.returncode, verify.stdout + verify.stderr


def _actions(data) -> set[str]:
    conn = open_store(data)
    try:
        return {r[0] for r in conn.execute("SELECT DISTINCT action FROM audit")}
    finally:
        conn.close()


def test_authorised_reader_resolves_who_was_revoked(replayed):  # noqa: F811
    """The store's key holder turns a revocation's pseudonym back into the account."""
    data, _ = replayed
    conn = open_store(data)
    try:
        revoked = {
            r[0] for r in conn.execute("SELECT target FROM actions WHERE action = 'revoke_account'")
        }
        subjects = [e.subject for e in AuditLog(conn).entries() if e.action == "revoke"]
        assert subjects
        assert revoked == {resolve_pseudonyms(conn, s) for s in subjects}
        assert {pseudonym(conn, "account", a) for a in revoked} == set(subjects)
    finally:
        conn.close()


def test_cli_reinstate_and_unblock_audit_by_pseudonym(replayed):  # noqa: F811
    """`accounts reinstate` and `accounts unblock-ip` append entries without the raw subject."""
    data, _ = replayed
    conn = open_store(data)
    account = conn.execute("SELECT account FROM revocations WHERE state = 'revoked'").fetchone()[0]
    ip = conn.execute("SELECT ip FROM deny_list").fetchone()[0]
    conn.close()
    done = _cli("accounts", "reinstate", account, "--reason", f"{account} called us",
                "--data-dir", str(data))  # fmt: skip
    assert 0 == done.returncode, done.stderr
    done = _cli("accounts", "unblock-ip", ip, "--reason", "ticket 7", "--data-dir", str(data))
    assert 0 == done.returncode, done.stderr
    text = _audit_text(data)
    assert (account not in text, ip not in text) == (True, True)
    assert {"reinstate", "deny_ip_remove"} <= _actions(data)


def test_erase_needs_no_rewrite_of_new_entries_and_unlinks_the_pseudonym(replayed):  # noqa: F811
    """Erasing a subject rewrites no new audit entry; its pseudonym no longer resolves."""
    data, _ = replayed
    conn = open_store(data)
    pseud = pseudonym(conn, "account", ACCOUNTS[0], record=False)
    assert ACCOUNTS[0] == resolve_pseudonyms(conn, pseud)
    head = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    result = _cli("erase", "--account", ACCOUNTS[0], "--actor", "dpo", "--reason", "r",
                  "--data-dir", str(data))  # fmt: skip
    assert 0 == result.returncode, result.stderr
    assert 0 == json.loads(result.stdout)["erased"]["audit"]
    conn = open_store(data)
    try:
        assert tuple(head) == tuple(
            conn.execute("SELECT seq, hash FROM audit WHERE seq = ?", (head[0],)).fetchone()
        )
        assert pseud == resolve_pseudonyms(conn, pseud)
        assert AuditLog(conn).verify().ok
    finally:
        conn.close()


def test_pseudonym_key_made_in_a_rolled_back_transaction_is_not_kept(tmp_path):
    """A key first made inside a transaction that rolls back is not reused from a cache."""
    conn = open_store(tmp_path)
    conn.execute("BEGIN IMMEDIATE")
    pseudonym(conn, "account", "bob")
    conn.rollback()
    first = pseudonym(conn, "account", "bob")
    other = open_store(tmp_path)
    try:
        assert first == pseudonym(other, "account", "bob")
        assert "bob" == resolve_pseudonyms(other, first)
    finally:
        other.close()
        conn.close()


def test_report_resolves_reinstated_accounts_for_its_reader(tmp_path):
    """The report's reinstatements list the account itself, though the chain holds a pseudonym."""
    data = tmp_path / "data"
    conn = open_store(data)
    AuditLog(conn).append("cli:root", "reinstate", pseudonym(conn, "account", "quintessa.v"), {})
    conn.close()
    out = tmp_path / "report"
    done = _cli("report", "--data-dir", str(data), "--since", "2000-01-01", "--format", "csv",
                "--output", str(out))  # fmt: skip
    assert 0 == done.returncode, done.stderr
    text = (out / "reinstatements.csv").read_text(encoding="utf-8")
    assert "quintessa.v" in text
    assert "pseud:" not in text
