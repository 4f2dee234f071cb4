"""Personal fields are encrypted at rest on PostgreSQL (real PostgreSQL 15, never mocked).

The proof: replay attacks with distinctive account names, addresses, user
agents and paths into a PostgreSQL store, dump the whole database with
``pg_dump``, and find none of them; logward's own readers (report, accounts,
audit verify, dashboard, retention) still see them.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import subprocess
from pathlib import Path

import psycopg
import pytest

from monitor import open_store
from monitor.store import PERSONAL
from tests.monitor.store.test_pg_store import GOLDEN, _logward

PG_DUMP = Path("/usr/lib/postgresql/15/bin/pg_dump")
#: Markers of the identifiers the logs below carry (addresses, accounts, agents, paths).
MARKERS = ("198.18.213.", "wobbegong", "narwhal")
SSHD = ("brute-force-ip", "success-after-failures", "credential-stuffing", "password-spraying")
COMBINED = ("http-probing", "admin-interface-probing")
_ACCOUNT = re.compile(r"(for (?:invalid user )?|user=)([A-Za-z0-9_.-]+)")


def _distinctive(text: str) -> str:
    """A golden log with distinctive identifiers: every address, account, agent and path."""
    text = text.replace("203.0.113.", "198.18.213.")
    text = _ACCOUNT.sub(lambda m: f"{m.group(1)}{m.group(2)}wobbegong", text)
    text = text.replace('"Mozilla/5.0"', '"NarwhalScanner/7.3 (+wobbegong)"')
    return text.replace("/cgi-bin/test", "/cgi-bin/narwhaltest")


def _replay(pg_url: str, data: Path, tmp: Path) -> None:
    for fmt, names in (("sshd", SSHD), ("combined", COMBINED)):
        logs = []
        for name in names:
            path = tmp / f"{name}.log"
            path.write_text(_distinctive((GOLDEN / name / "input.log").read_text()), "utf-8")
            logs.append(str(path))
        done = _logward("monitor", "replay", "--format", fmt, "--year", "2024",
                        "--store", pg_url, "--data-dir", str(data), *logs)  # fmt: skip
        assert 0 == done.returncode, done.stderr


def _pg_dump(url: str) -> str:
    """The whole database as ``pg_dump`` writes it (schema and every row)."""
    if not PG_DUMP.exists():
        pytest.skip("pg_dump not installed")
    done = subprocess.run(
        [str(PG_DUMP), "--no-owner", "-d", url], capture_output=True, text=True, timeout=120
    )
    assert 0 == done.returncode, done.stderr
    return done.stdout


def _readable(url: str, data: Path) -> str:
    """Every row of every table as logward reads it (personal fields decrypted)."""
    with psycopg.connect(url) as raw:
        tables = [
            r[0]
            for r in raw.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
    conn = open_store(data, store=url, readonly=True)
    try:
        return "\n".join(
            repr(tuple(row))
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
        )
    finally:
        conn.close()


def _plaintext_personal_values(url: str) -> list[tuple[str, str, str]]:
    """(table, column, value) of every stored personal value that is not ``enc1:`` text."""
    bad = []
    with psycopg.connect(url) as raw:
        for table, columns in PERSONAL.items():
            for column, kind in columns.items():
                rows = raw.execute(
                    f"SELECT {column} FROM {table} WHERE {column} <> ''"  # noqa: S608 - our names
                    + (" AND k <> 'field_key_id'" if table == "meta" else "")
                ).fetchall()
                for (value,) in rows:
                    values = [value]
                    if kind == "json":
                        values = [v for v in json.loads(value).values() if isinstance(v, str)]
                    bad += [(table, column, v) for v in values if v and not v.startswith("enc1:")]
    return bad


def _found(text: str) -> list[str]:
    low = text.lower()
    return [m for m in MARKERS if m in low]


@pytest.mark.timeout(400)
def test_pg_dump_holds_no_identifier_and_every_reader_still_works(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After replays, `accounts add` and sign-in throttling, pg_dump shows no identifier."""
    monkeypatch.delenv("LOGWARD_STORE_KEY_FILE")  # a new store's key is made beside it
    data = tmp_path / "data"
    data.mkdir()
    _replay(pg_url, data, tmp_path)
    added = _logward("accounts", "add", "ops.wobbegong", "--roles", "admin", "--actor", "rob",
                     "--store", pg_url, "--data-dir", str(data))  # fmt: skip
    assert 0 == added.returncode, added.stderr
    from logward.dashboard import SqliteAuthStore

    monkeypatch.setenv("LOGWARD_STORE", pg_url)
    auth = SqliteAuthStore(data)
    auth.failure_add([("user", "eve.wobbegong"), ("ip", "198.18.213.99")], 10.0)
    assert [10.0] == auth.failures("ip", "198.18.213.99", 0.0)
    monkeypatch.delenv("LOGWARD_STORE")

    readable = _readable(pg_url, data)
    assert list(MARKERS) == _found(readable)  # the store holds them all ...
    assert [] == _found(_pg_dump(pg_url))  # ... and none is readable at rest
    # alerts, actions, revocations, accounts, deny-list, windows, rates, pseudonyms, throttles
    with psycopg.connect(pg_url) as raw:
        for table in ("events", "alerts", "actions", "revocations", "accounts", "deny_list",
                      "window_state", "rates", "subject_pseudonyms",
                      "dashboard_login_failures"):  # fmt: skip
            count = raw.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
            assert count is not None
            assert 0 < count[0], table

    assert [] == _plaintext_personal_values(pg_url)

    listed = _logward("accounts", "list", "--store", pg_url, "--data-dir", str(data))
    assert 0 == listed.returncode, listed.stderr
    assert "ops.wobbegong" in listed.stdout
    report = _logward("report", "--format", "json", "--since", "3650d",
                      "--store", pg_url, "--data-dir", str(data))  # fmt: skip
    assert 0 == report.returncode, report.stderr
    verify = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(data))
    assert 0 == verify.returncode, verify.stdout + verify.stderr
    assert "audit chain OK" in verify.stdout
    prune = _logward("store", "prune", "--older-than", "30d", "--store", pg_url,
                     "--data-dir", str(data))  # fmt: skip
    assert 0 == prune.returncode, prune.stderr
    assert [] == _found(_pg_dump(pg_url))


def test_a_wrong_or_missing_key_is_a_clear_error_naming_file_and_key_ids(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another key file, or none, is refused with the file and key ids named, never a key."""
    monkeypatch.delenv("LOGWARD_STORE_KEY_FILE")  # a new store's key is made beside it
    data = tmp_path / "data"
    data.mkdir()
    log = GOLDEN / "brute-force-ip" / "input.log"
    done = _logward("monitor", "replay", "--format", "sshd", "--year", "2024",
                    "--store", pg_url, "--data-dir", str(data), str(log))  # fmt: skip
    assert 0 == done.returncode, done.stderr
    right = (data / "store.key").read_text().strip()
    other = tmp_path / "other.key"
    wrong = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    other.write_text(wrong + "\n")
    other.chmod(0o600)
    bad = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(data),
                   "--store-key-file", str(other))  # fmt: skip
    assert 0 != bad.returncode
    assert str(other) in bad.stderr
    assert "key id" in bad.stderr
    assert wrong not in bad.stdout + bad.stderr
    assert right not in bad.stdout + bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = _logward("audit", "verify", "--store", pg_url, "--data-dir", str(empty))
    assert 0 != missing.returncode
    assert str(empty / "store.key") in missing.stderr
    assert not (empty / "store.key").exists()  # an existing store never gets a new key


def test_migration_encrypts_a_plaintext_store_written_by_an_older_logward(
    pg_url: str, tmp_path: Path
) -> None:
    """A store at schema 5 with plaintext rows is encrypted in place when opened."""
    open_store(tmp_path, store=pg_url).close()
    with psycopg.connect(pg_url) as raw:  # make it look like an older logward's store
        raw.execute("DELETE FROM schema_migrations WHERE version = 6")
        raw.execute("DELETE FROM meta WHERE k = 'field_key_id'")
        raw.execute(
            "INSERT INTO events (ts, category, action, outcome, user_name, source_ip, doc)"
            " VALUES (1, 'authentication', 'login', 'failure', 'old.wobbegong',"
            " '198.18.213.5', '{\"user.name\": \"old.wobbegong\"}')"
        )
        raw.execute(
            "INSERT INTO alerts (id, rule, rule_version, severity, keys, key_text, count,"
            " first_seen, last_seen, created_at, evidence) VALUES ('a1', 'r', '1', 'low',"
            " '{\"source.ip\": \"198.18.213.5\"}', 'source.ip=198.18.213.5', 1, 1, 1, 1, '{}')"
        )
    assert ["198.18.213.", "wobbegong"] == _found(_pg_dump(pg_url))
    conn = open_store(tmp_path, store=pg_url)
    try:
        row = conn.execute("SELECT user_name, source_ip FROM events").fetchone()
        assert ("old.wobbegong", "198.18.213.5") == tuple(row)
        found = conn.execute(
            "SELECT id FROM alerts WHERE json_extract(keys, '$.\"source.ip\"') = ?",
            ("198.18.213.5",),
        ).fetchall()
        assert ["a1"] == [r[0] for r in found]
    finally:
        conn.close()
    assert [] == _found(_pg_dump(pg_url))


def test_key_rotation_on_postgres_is_a_clear_error_naming_the_key_id(
    pg_url: str, tmp_path: Path
) -> None:
    """`keys rotate` needs the store's key: on PostgreSQL it refuses, naming the key id."""
    from logward_base.errors import StoreError
    from monitor import store_key_of

    conn = open_store(tmp_path, store=pg_url)
    try:
        with pytest.raises(StoreError, match="not built for PostgreSQL") as err:
            store_key_of(conn)
        assert getattr(conn, "cipher").key_id in str(err.value)  # noqa: B009 - PgConnection only
    finally:
        conn.close()
