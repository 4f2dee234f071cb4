"""The embedded SQLite revoker and the command revoker (real subprocesses)."""

from __future__ import annotations

import sys

import pytest

from logward_base.errors import RevokeError
from monitor import Alert, open_store
from monitor.revokers import CommandRevoker, Revoker, SqliteRevoker

ALERT = Alert("brute", "v1", "high", {"user.name": "bob"}, 9, 1.7e9, 1.7e9 + 5, 300.0)
WRITER = "import sys, pathlib; pathlib.Path(sys.argv[1]).write_text(' '.join(sys.argv[2:]))"


@pytest.fixture
def store(tmp_path):
    conn = open_store(tmp_path)
    yield conn
    conn.close()


def test_package_all_is_complete():
    """monitor.revokers exports every public name it defines, and only existing ones."""
    import monitor.revokers as pkg

    public = {
        n for n, v in vars(pkg).items() if not n.startswith("_") and not isinstance(v, type(pkg))
    }
    assert set(pkg.__all__) == public


class TestSqliteRevoker:
    def test_revoke_and_reinstate_toggle_active(self, store, fake_clock):
        """revoke() sets active=0 (adding unknown accounts); reinstate() sets it back to 1."""
        revoker = SqliteRevoker(store, clock=fake_clock)
        assert isinstance(revoker, Revoker)
        revoker.revoke("bob", ALERT)
        assert (0, fake_clock.now) == tuple(
            store.execute("SELECT active, updated_at FROM accounts WHERE name='bob'").fetchone()
        )
        fake_clock.advance(5)
        revoker.reinstate("bob", "ok")
        assert 1 == store.execute("SELECT active FROM accounts WHERE name='bob'").fetchone()[0]

    def test_keeps_roles_of_existing_account(self, store, fake_clock):
        """Revoking an existing account changes only its active flag."""
        store.execute(
            "INSERT INTO accounts (name, active, roles, updated_at)"
            " VALUES ('ann', 1, '[\"admin\"]', 0)"
        )
        store.commit()
        SqliteRevoker(store, clock=fake_clock).revoke("ann", ALERT)
        assert (0, '["admin"]') == tuple(
            store.execute("SELECT active, roles FROM accounts WHERE name='ann'").fetchone()
        )


class TestCommandRevoker:
    def test_runs_argv_with_placeholders_and_no_shell(self, tmp_path):
        """The argv template gets account, rule and alert id; shell syntax stays literal."""
        out = tmp_path / "out.txt"
        revoker = CommandRevoker(
            "cmd",
            [sys.executable, "-c", WRITER, str(out), "lock", "{account}", "{rule}", "{alert_id}"],
            [sys.executable, "-c", WRITER, str(out), "unlock", "{account}", "{reason}"],
        )
        revoker.revoke("bob;rm -rf /", ALERT)
        assert f"lock bob;rm -rf / brute {ALERT.id}" == out.read_text()
        revoker.reinstate("bob", "reviewed by $USER")
        assert "unlock bob reviewed by $USER" == out.read_text()

    def test_nonzero_exit_is_an_error_with_the_status(self):
        """A failing command raises RevokeError naming the exit status, not its output."""
        revoker = CommandRevoker(
            "cmd",
            [sys.executable, "-c", "import sys; print('secret'); sys.exit(3)"],
            [sys.executable, "-c", "pass"],
        )
        with pytest.raises(RevokeError) as info:
            revoker.revoke("bob", ALERT)
        assert "revoker 'cmd': revoke command exited with 3" == str(info.value)

    def test_timeout_is_an_error(self):
        """A hanging command is killed after the timeout."""
        revoker = CommandRevoker(
            "cmd", [sys.executable, "-c", "import time; time.sleep(5)"], ["true"], timeout=0.3
        )
        with pytest.raises(RevokeError, match="timed out"):
            revoker.revoke("bob", ALERT)

    def test_missing_program_is_an_error(self, tmp_path):
        """A program that does not exist is a RevokeError, not an OSError."""
        revoker = CommandRevoker("cmd", [str(tmp_path / "nope")], ["true"])
        with pytest.raises(RevokeError, match="could not start: FileNotFoundError"):
            revoker.revoke("bob", ALERT)

    @pytest.mark.parametrize("account", ["--help", "bob\nroot", "", "a\x00b"])
    def test_unsafe_account_names_are_refused(self, account):
        """Names that look like options or hold control characters never reach the command."""
        revoker = CommandRevoker("cmd", ["/bin/false", "{account}"], ["/bin/true"])
        with pytest.raises(RevokeError, match="unsafe form"):
            revoker.revoke(account, ALERT)


def test_command_revoker_from_responses_config(tmp_path, fake_clock):
    """A command revoker declared in responses.yaml is built and run by the Responder."""
    from monitor import Responder, parse_responses

    out = tmp_path / "cmd.txt"
    argv = [sys.executable, "-c", WRITER, str(out)]
    config = parse_responses(
        {
            "revokers": {"lock": {"type": "command", "revoke_argv": [*argv, "lock", "{account}"],
                                  "reinstate_argv": [*argv, "unlock", "{account}"]}},
            "responses": [{"name": "r", "actions": [
                {"type": "revoke_account", "revoker": "lock"}]}],
        },
        "responses.yaml",
    )  # fmt: skip
    conn = open_store(tmp_path / "data")
    resp = Responder(config, conn, clock=fake_clock)
    assert "done" == resp.respond(ALERT)[0].outcome
    assert "lock bob" == out.read_text()
    resp.reinstate("bob", "cli:alice", "checked")
    assert "unlock bob" == out.read_text()
    conn.close()
