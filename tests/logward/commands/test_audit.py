"""``logward audit verify|export`` on a real data directory, including tampering."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from logward.cli import main
from monitor import Alert, Responder, open_store, pseudonym


@pytest.fixture
def data_dir(tmp_path, fake_clock):
    """A data dir with an alert, a revocation and a deny-list entry audited."""
    path = tmp_path / "data"
    conn = open_store(path)
    resp = Responder.from_config(None, conn, clock=fake_clock)
    resp.respond(Alert("success-after-failures", "v1", "critical", {"user.name": "bob"}, 6,
                       1.7e9, 1.7e9 + 9, 600.0))  # fmt: skip
    fake_clock.advance(100)
    resp.respond(Alert("brute-force-ip", "v1", "high", {"source.ip": "203.0.113.5"}, 20,
                       1.7e9, 1.7e9, 300.0))  # fmt: skip
    conn.close()
    return path


def test_verify_intact_chain(data_dir, capsys):
    """verify exits 0 and reports the number of entries."""
    code = main(["audit", "verify", "--data-dir", str(data_dir)])
    assert (0, "audit chain OK: 5 entries verified\n") == (code, capsys.readouterr().out)


def test_verify_detects_edited_row_naming_seq(data_dir):
    """Editing one audit row makes verify exit 1 and name that seq (real process)."""
    conn = open_store(data_dir)
    conn.execute("UPDATE audit SET detail = replace(detail, '\"done\"', '\"x\"') WHERE seq = 2")
    conn.commit()
    conn.close()
    done = subprocess.run(
        [sys.executable, "-m", "logward", "audit", "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 1 == done.returncode
    assert "audit chain BROKEN at seq 2: hash does not match entry content\n" == done.stdout


def test_verify_detects_deleted_row(data_dir, capsys):
    """Deleting a row is reported as a gap at the next seq."""
    conn = open_store(data_dir)
    conn.execute("DELETE FROM audit WHERE seq = 3")
    conn.commit()
    conn.close()
    assert 1 == main(["audit", "verify", "--json", "--data-dir", str(data_dir)])
    status = json.loads(capsys.readouterr().out)
    assert (False, 4) == (status["ok"], status["first_bad_seq"])


def test_export_json_has_who_what_why_and_reverse(data_dir, capsys):
    """export --format json lists every entry; the revocation says how to reverse it."""
    assert 0 == main(["audit", "export", "--format", "json", "--data-dir", str(data_dir)])
    rows = json.loads(capsys.readouterr().out)
    assert ["alert", "revoke", "notify", "alert", "deny_ip"] == [r["action"] for r in rows]
    revoke = rows[1]
    conn = open_store(data_dir)
    bob = pseudonym(conn, "account", "bob")  # the chain names subjects by pseudonym
    conn.close()
    assert ("monitor", bob) == (revoke["actor"], revoke["subject"])
    detail = revoke["detail"]
    assert f"logward accounts reinstate {bob} --reason TEXT" == detail["reverse"]
    assert ("success-after-failures", "v1", "done") == (
        detail["rule"], detail["rule_version"], detail["outcome"],
    )  # fmt: skip
    assert (6, 600.0) == (detail["evidence"]["count"], detail["evidence"]["window_seconds"])


def test_export_csv_since_filters(data_dir, capsys, fake_clock):
    """export --format csv --since keeps only later entries, with hashes."""
    since = str(fake_clock.now - 50)  # the fixture advanced 100 s before the IP alert
    assert 0 == main(
        ["audit", "export", "--format", "csv", "--since", since, "--data-dir", str(data_dir)]
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert ["alert", "deny_ip"] == [r["action"] for r in rows]
    assert 64 == len(rows[0]["hash"])


def test_export_is_itself_audited(data_dir, capsys):
    """Taking a copy of the audit log appends an audit_export entry; the chain still verifies."""
    main(["audit", "export", "--format", "json", "--data-dir", str(data_dir)])
    capsys.readouterr()
    assert 0 == main(["audit", "export", "--format", "json", "--data-dir", str(data_dir)])
    rows = json.loads(capsys.readouterr().out)
    assert ("audit_export", {"format": "json", "since": None, "entries": 5}) == (
        rows[-1]["action"], rows[-1]["detail"],
    )  # fmt: skip
    assert 0 == main(["audit", "verify", "--data-dir", str(data_dir)])


def test_verify_without_a_store_is_an_error(tmp_path, capsys):
    """Verifying a directory with no store exits 2 instead of passing on nothing."""
    assert 2 == main(["audit", "verify", "--data-dir", str(tmp_path / "empty")])
    assert "no logward store here" in capsys.readouterr().err


def test_export_rejects_bad_since(data_dir, capsys):
    """A malformed --since is a usage error (exit 2) with a clear message."""
    code = main(["audit", "export", "--format", "csv", "--since", "yesterday-ish",
                 "--data-dir", str(data_dir)])  # fmt: skip
    assert 2 == code
    assert "--since must be" in capsys.readouterr().err
