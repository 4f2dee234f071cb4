"""``logward accounts list|add|reinstate|unblock-ip`` on a real data directory."""

from __future__ import annotations

import json

import pytest

from logward.cli import main
from monitor import Alert, AuditLog, Responder, open_store

ALERT = Alert(
    "success-after-failures", "v1", "critical", {"user.name": "bob"}, 6, 1.7e9, 1.7e9 + 9, 600.0
)


@pytest.fixture
def data_dir(tmp_path):
    """A data dir where the shipped responses revoked 'bob' in the embedded store."""
    path = tmp_path / "data"
    conn = open_store(path)
    Responder.from_config(None, conn).respond(ALERT)
    conn.close()
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_json_shows_revocation(data_dir, capsys):
    """accounts list --json reports the revoked account with mode and rule."""
    code, out, _ = run(capsys, "accounts", "list", "--data-dir", str(data_dir), "--json")
    docs = [json.loads(line) for line in out.splitlines()]
    assert 0 == code
    assert [("bob", False, "revoked", "until_reviewed", "success-after-failures")] == [
        (d["account"], d["active"], d["revocation"], d["mode"], d["rule"]) for d in docs
    ]


def test_add_then_list_table(data_dir, capsys):
    """accounts add stores roles; the table lists both accounts, sorted."""
    code, out, _ = run(
        capsys, "accounts", "add", "alice", "--roles", "admin,ops", "--data-dir", str(data_dir)
    )
    assert 0 == code
    assert "account alice saved (roles: admin, ops)" in out
    _, table, _ = run(capsys, "accounts", "list", "--data-dir", str(data_dir))
    names = [line.split()[0] for line in table.splitlines()[1:]]
    assert ["alice", "bob"] == names
    _, revoked, _ = run(
        capsys, "accounts", "list", "--revoked", "--json", "--data-dir", str(data_dir)
    )
    assert ["bob"] == [json.loads(line)["account"] for line in revoked.splitlines()]


def test_reinstate_requires_reason(data_dir, capsys):
    """Without --reason argparse refuses (exit 2) and nothing changes."""
    with pytest.raises(SystemExit) as info:
        main(["accounts", "reinstate", "bob", "--data-dir", str(data_dir)])
    assert 2 == info.value.code
    conn = open_store(data_dir)
    assert "revoked" == conn.execute("SELECT state FROM revocations").fetchone()[0]
    conn.close()


def test_reinstate_reenables_and_audits_actor(data_dir, capsys):
    """reinstate with --actor/--reason re-enables the account and audits who and why."""
    code, out, _ = run(
        capsys,
        "accounts", "reinstate", "bob", "--reason", "user confirmed travel",
        "--actor", "cli:alice", "--data-dir", str(data_dir),
    )  # fmt: skip
    assert (0, "reinstated bob via embedded\n") == (code, out)
    conn = open_store(data_dir)
    assert 1 == conn.execute("SELECT active FROM accounts WHERE name='bob'").fetchone()[0]
    last = list(AuditLog(conn).entries())[-1]
    conn.close()
    assert ("cli:alice", "reinstate", "user confirmed travel") == (
        last.actor, last.action, last.detail["why"],
    )  # fmt: skip


def test_reinstate_default_actor_is_os_user(data_dir, capsys, monkeypatch):
    """Without --actor the OS user is recorded as cli:<user>."""
    monkeypatch.setenv("LOGNAME", "opsuser")
    monkeypatch.setenv("USER", "opsuser")
    run(capsys, "accounts", "reinstate", "bob", "--reason", "ok", "--data-dir", str(data_dir))
    conn = open_store(data_dir)
    assert "cli:opsuser" == conn.execute("SELECT reinstated_by FROM revocations").fetchone()[0]
    conn.close()


def test_reinstate_actor_free_text_is_scrubbed(data_dir, capsys):
    """PII typed into --actor never reaches the audit log or the revocations table."""
    run(
        capsys,
        "accounts", "reinstate", "bob", "--reason", "ok",
        "--actor", "alice.jones@example.com", "--data-dir", str(data_dir),
    )  # fmt: skip
    conn = open_store(data_dir)
    stored = conn.execute("SELECT reinstated_by FROM revocations").fetchone()[0]
    last = list(AuditLog(conn).entries())[-1]
    conn.close()
    assert "<EMAIL_ADDRESS>" == stored
    assert "<EMAIL_ADDRESS>" == last.actor


def test_reinstate_unrevoked_account_is_an_error(data_dir, capsys):
    """Reinstating an account that is not revoked exits 2 with a clear message."""
    code, _, err = run(
        capsys, "accounts", "reinstate", "carol", "--reason", "x", "--data-dir", str(data_dir)
    )
    assert 2 == code
    assert "logward: error: account 'carol' is not revoked\n" == err


def test_unblock_ip_removes_and_audits(tmp_path, capsys):
    """unblock-ip removes a deny-listed address, rewrites the file and audits it."""
    data = tmp_path / "data"
    conn = open_store(data)
    alert = Alert("brute-force-ip", "v1", "high", {"source.ip": "203.0.113.5"}, 20, 1.7e9,
                  1.7e9, 300.0)  # fmt: skip
    Responder.from_config(None, conn).respond(alert)
    conn.close()
    assert "203.0.113.5\n" == (data / "denylist.txt").read_text()
    code, out, _ = run(
        capsys, "accounts", "unblock-ip", "203.0.113.5", "--reason", "NAT of a partner",
        "--data-dir", str(data),
    )  # fmt: skip
    assert (0, "203.0.113.5 removed from the deny-list\n") == (code, out)
    assert "" == (data / "denylist.txt").read_text()
    code, _, _ = run(
        capsys, "accounts", "unblock-ip", "203.0.113.5", "--reason", "again", "--data-dir",
        str(data),
    )  # fmt: skip
    assert 1 == code
