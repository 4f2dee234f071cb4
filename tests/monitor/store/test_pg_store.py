"""The PostgreSQL store against a real PostgreSQL 15 (never mocked): replay, audit, fleet rules."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from monitor import AuditLog, open_store
from tests._services import free_port

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "monitor" / "golden"


def _logward(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logward", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def _scalar(url: str, sql: str) -> object:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _key_file(path: Path) -> Path:
    """A store key file (32 random bytes, base64, mode 0600) shared by several instances."""
    path.write_text(base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
    path.chmod(0o600)
    return path


def _attack_log(path: Path, accounts: int) -> Path:
    """Failures against ``accounts`` admin accounts, 6 distinct sources each (one IP per line)."""
    lines = []
    for a in range(accounts):
        for i in range(6):
            ip = f"198.51.{100 + a}.{10 + i}"
            lines.append(
                f"Nov 27 10:{a:02d}:{i * 5:02d} bastion sshd[{1000 + a * 10 + i}]: "
                f"Failed password for admin{a} from {ip} port 4100{i} ssh2"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_replay_on_postgres_stores_alerts_and_the_audit_chain_verifies(
    pg_url: str, tmp_path: Path
) -> None:
    """`monitor replay --store postgresql://...` records the alert there; `audit verify` passes."""
    log = GOLDEN / "brute-force-ip" / "input.log"
    done = _logward("monitor", "replay", "--format", "sshd", "--year", "2024",
                    "--store", pg_url, "--data-dir", str(tmp_path), str(log))  # fmt: skip
    assert 0 == done.returncode, done.stderr
    assert 1 == len(done.stdout.splitlines())
    assert 1 == _scalar(pg_url, "SELECT count(*) FROM alerts")
    assert 26 == _scalar(pg_url, "SELECT sum(count) FROM events")
    assert not (tmp_path / "monitor.db").exists()
    verify = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(tmp_path))
    assert 0 == verify.returncode, verify.stderr
    assert "audit chain OK" in verify.stdout


def test_logward_store_environment_variable_selects_postgres(pg_url: str, tmp_path: Path) -> None:
    """$LOGWARD_STORE works like --store."""
    log = GOLDEN / "brute-force-ip" / "input.log"
    done = _logward("monitor", "replay", "--format", "sshd", "--year", "2024", str(log),
                    env={"LOGWARD_STORE": pg_url, "LOGWARD_DATA_DIR": str(tmp_path)})  # fmt: skip
    assert 0 == done.returncode, done.stderr
    assert 1 == _scalar(pg_url, "SELECT count(*) FROM alerts")


def test_unreachable_store_names_host_and_database_never_the_password(tmp_path: Path) -> None:
    """A store nobody listens on is a clear error: host and database named, password hidden."""
    url = f"postgresql://watcher:s3cret-Pw@127.0.0.1:{free_port()}/fleetdb"
    done = _logward("audit", "verify", "--store", url, "--data-dir", str(tmp_path))
    assert 2 == done.returncode
    assert "127.0.0.1" in done.stderr
    assert "fleetdb" in done.stderr
    assert "Traceback" not in done.stderr
    assert "s3cret-Pw" not in done.stderr + done.stdout


def test_concurrent_starts_apply_each_migration_once(pg_url: str, tmp_path: Path) -> None:
    """Six instances opening a new store at once apply every migration step exactly once."""
    from monitor.store import ENCRYPTED_VERSION, MIGRATIONS

    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_store(tmp_path, store=pg_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [] == errors
    with psycopg.connect(pg_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert [*(v for v, _, _ in MIGRATIONS), ENCRYPTED_VERSION] == versions


_APPENDER = """
import sys
from monitor import AuditLog, open_store
conn = open_store(sys.argv[2], store=sys.argv[1])
log = AuditLog(conn)
for i in range(int(sys.argv[3])):
    log.append("monitor:" + sys.argv[4], "page_view", "s%d" % i, {"n": i})
conn.close()
"""


def test_concurrent_audit_appends_leave_one_verifiable_chain(pg_url: str, tmp_path: Path) -> None:
    """Three processes and two threads append at once; one gap-free chain that verifies."""
    per = 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _APPENDER, pg_url, str(tmp_path), str(per), f"p{i}"], cwd=ROOT
        )
        for i in range(3)
    ]

    def threaded(name: str) -> None:
        conn = open_store(tmp_path, store=pg_url)
        log = AuditLog(conn)
        for i in range(per):
            log.append(f"dashboard:{name}", "page_view", f"t{i}", {"n": i})
        conn.close()

    threads = [threading.Thread(target=threaded, args=(f"t{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [0, 0, 0] == [p.wait(120) for p in procs]
    assert 5 * per == _scalar(pg_url, "SELECT count(*) FROM audit")
    assert 5 * per == _scalar(pg_url, "SELECT max(seq) FROM audit")
    verify = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(tmp_path))
    assert 0 == verify.returncode, verify.stdout + verify.stderr
    assert f"{5 * per} entries verified" in verify.stdout


@pytest.mark.timeout(300)
def test_three_instances_share_one_revocation_cap(pg_url: str, tmp_path: Path) -> None:
    """Three replays of an attack on 9 admin accounts (cap 5): 5 revoked, the rest alert-only."""
    log = _attack_log(tmp_path / "attack.log", 9)
    key = _key_file(tmp_path / "fleet.key")  # one store key for the fleet
    procs = []
    for i in range(3):
        data = tmp_path / f"node{i}"
        data.mkdir()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "logward",
                    "monitor",
                    "replay",
                    "--format",
                    "sshd",
                    "--year",
                    "2024",
                    "--store",
                    pg_url,
                    "--data-dir",
                    str(data),
                    "--store-key-file",
                    str(key),
                    str(log),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outs = [p.communicate(timeout=240) for p in procs]
    assert [0, 0, 0] == [p.returncode for p in procs], [e for _, e in outs]
    conn = open_store(tmp_path, store=pg_url, key_file=key, readonly=True)
    try:
        revoked = {
            r[0] for r in conn.execute("SELECT account FROM revocations WHERE state = 'revoked'")
        }
        done = [
            r[0]
            for r in conn.execute(
                "SELECT target FROM actions WHERE action = 'revoke_account' AND outcome = 'done'"
            )
        ]
        skipped = {
            r[0]
            for r in conn.execute(
                "SELECT target, detail FROM actions"
                " WHERE action = 'revoke_account' AND outcome = 'skipped'"
            )
            if "alert only" in r[1]
        }
        inactive = conn.execute("SELECT count(*) FROM accounts WHERE active = 0").fetchone()
    finally:
        conn.close()
    assert 5 == len(revoked)
    assert sorted(revoked) == sorted(done)  # each revoked once, however many instances saw it
    assert {f"admin{a}" for a in range(9)} - revoked <= skipped
    assert inactive is not None
    assert 5 == inactive[0]
    verify = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(tmp_path),
                      "--store-key-file", str(key))  # fmt: skip
    assert 0 == verify.returncode, verify.stdout
