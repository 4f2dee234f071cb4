"""Versioned schema migrations of the PostgreSQL store, applied at start.

``schema_migrations`` records each applied version. :func:`migrate` takes a
session-level ``pg_advisory_lock`` first, so when several instances start at
once one applies the missing steps and the others wait, then find nothing to
do (idempotent). Each step runs in its own transaction with its version row.

Add a step for every schema change (append to :data:`MIGRATIONS`; never edit a
released step). Step 1 is the SQLite schema of ``monitor._schema`` (version 1)
translated by ``_pgsql.translate_ddl``, plus the dashboard and notification
tables those modules create on SQLite, and two SQL functions the callers use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitor.store._pgcrypt import PERSONAL, FieldCipher
from monitor.store._pgsql import translate_ddl

__all__ = [
    "ENCRYPTED_VERSION",
    "KEY_ID_META",
    "MIGRATE_LOCK",
    "MIGRATIONS",
    "WRITE_LOCK",
    "encrypt_plaintext",
    "migrate",
]

#: ``meta`` key holding the id of the store key personal fields are encrypted under.
KEY_ID_META = "field_key_id"
#: The step that encrypts personal fields (``encrypt_plaintext``; needs the store key).
ENCRYPTED_VERSION = 6

#: Advisory lock keys (pg_advisory_lock / pg_advisory_xact_lock): "lgwd" + 1 / 2.
MIGRATE_LOCK = 0x6C677764_0001
WRITE_LOCK = 0x6C677764_0002

_FUNCTIONS = [
    # SQLite's instr(haystack, needle): 1-based position, 0 when absent.
    "CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer"
    " LANGUAGE sql IMMUTABLE AS 'SELECT strpos($1, $2)'",
    # SQLite's json_extract(doc, '$.key') / '$."dotted.key"' (one level, as text).
    "CREATE OR REPLACE FUNCTION json_extract(text, text) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS $$SELECT ($1::jsonb) ->> btrim(substr($2, 3), '\"')$$",
]


def _step1() -> list[str]:
    from monitor._schema import CAP_CLAIMS, SCHEMA
    from monitor.notify import NOTIFICATIONS_TABLE
    from monitor.store._authtables import DASHBOARD_TABLES

    return [
        *translate_ddl(SCHEMA.replace(CAP_CLAIMS, "")),
        *translate_ddl(NOTIFICATIONS_TABLE),
        *translate_ddl(DASHBOARD_TABLES),
        *_FUNCTIONS,
    ]


def _step2() -> list[str]:
    # Fleet-wide revocation cap: one row per revocation slot taken (monitor.respond).
    from monitor._schema import CAP_CLAIMS

    return translate_ddl(CAP_CLAIMS)


def _step3() -> list[str]:
    # SQLite's scalar max(a, b) / min(a, b) on times, used by retention (the
    # one-argument aggregates are unaffected).
    return [
        "CREATE OR REPLACE FUNCTION max(double precision, double precision)"
        " RETURNS double precision LANGUAGE sql IMMUTABLE AS 'SELECT GREATEST($1, $2)'",
        "CREATE OR REPLACE FUNCTION min(double precision, double precision)"
        " RETURNS double precision LANGUAGE sql IMMUTABLE AS 'SELECT LEAST($1, $2)'",
    ]


def _step4() -> list[str]:
    # Window state per Kafka partition with the offset it corresponds to
    # (monitor._partition_store; SQLite creates the same tables at open). Frozen
    # here, not derived from that module: a released step never changes.
    return [
        "CREATE TABLE IF NOT EXISTS partition_offsets ("
        " grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,"
        " next_offset BIGINT NOT NULL, watermark DOUBLE PRECISION NOT NULL,"
        " epoch BIGINT NOT NULL, owner TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL,"
        " PRIMARY KEY (grp, topic, part))",
        "CREATE TABLE IF NOT EXISTS partition_state ("
        " grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,"
        " rule TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,"
        " updated DOUBLE PRECISION NOT NULL,"
        " PRIMARY KEY (grp, topic, part, rule, key))",
    ]


def _step5() -> list[str]:
    # Pseudonym -> subject for authorised readers (monitor._pseudonym; SQLite
    # creates it on first use). Frozen here: a released step never changes.
    return [
        "CREATE TABLE IF NOT EXISTS subject_pseudonyms ("
        " pseudonym TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL)",
    ]


#: (version, what it does, the statements).
MIGRATIONS: list[tuple[int, str, Callable[[], list[str]]]] = [
    (1, "the store schema v1 (monitor._schema), dashboard and notification tables", _step1),
    (2, "cap_claims: revocation-cap slots counted across instances", _step2),
    (3, "scalar max/min(double precision, double precision) for retention", _step3),
    (4, "partition_offsets, partition_state: window state handed over with partitions", _step4),
    (5, "subject_pseudonyms: audit pseudonyms resolvable by authorised readers", _step5),
]
_ENCRYPT_STEP = "personal fields encrypted with AES-256-SIV under the store key (issue 14)"


def encrypt_plaintext(conn: Any, cipher: FieldCipher) -> int:
    """Encrypt, in place, every plaintext value of a personal column; return the rows changed.

    Runs inside the caller's transaction. A value already encrypted (``enc1:``)
    is left alone, so a store written partly by this version is handled too.
    """
    changed = 0
    for table, columns in PERSONAL.items():
        cols = list(columns)
        if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
            continue
        wanted = " OR ".join(
            f"({c} IS NOT NULL AND {c} <> '' AND {c} NOT LIKE 'enc1:%%')" for c in cols
        )
        if table == "meta":  # the key id stays readable: it says which key to use
            wanted = f"({wanted}) AND k <> '{KEY_ID_META}'"
        rows = conn.execute(
            f"SELECT ctid, {', '.join(cols)} FROM {table} WHERE {wanted}"  # noqa: S608 - our names
        ).fetchall()
        sets = ", ".join(f"{c} = %s" for c in cols)
        for row in rows:
            values = []
            for col, value in zip(cols, row[1:], strict=True):
                if not isinstance(value, str) or value.startswith("enc1:"):
                    values.append(value)
                elif columns[col] == "json":
                    values.append(cipher.encrypt_json(value))
                else:
                    values.append(cipher.encrypt(value))
            conn.execute(
                f"UPDATE {table} SET {sets} WHERE ctid = %s",  # noqa: S608 - our names
                (*values, row[0]),
            )
            changed += 1
    return changed


def migrate(conn: Any, cipher_for: Callable[[str | None], FieldCipher]) -> list[int]:
    """Apply the missing steps on a raw autocommit psycopg connection; return those applied.

    Safe to call from several processes at once (advisory lock) and again
    later (nothing to do). ``cipher_for(recorded key id or None)`` gives the
    field cipher; step :data:`ENCRYPTED_VERSION` records its key id in ``meta``
    and encrypts the personal fields of a store written by an older logward.
    """
    applied: list[int] = []
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, description, statements in MIGRATIONS:
            if version in done:
                continue
            with conn.transaction():
                for statement in statements():
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)",
                    (version, description),
                )
            applied.append(version)
        if ENCRYPTED_VERSION not in done:
            row = conn.execute("SELECT v FROM meta WHERE k = %s", (KEY_ID_META,)).fetchone()
            cipher = cipher_for(row[0] if row is not None else None)
            with conn.transaction():
                conn.execute(
                    "INSERT INTO meta (k, v) VALUES (%s, %s) ON CONFLICT (k) DO NOTHING",
                    (KEY_ID_META, cipher.key_id),
                )
                encrypt_plaintext(conn, cipher)
                conn.execute(
                    "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)",
                    (ENCRYPTED_VERSION, _ENCRYPT_STEP),
                )
            applied.append(ENCRYPTED_VERSION)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
    return applied


def latest_version() -> int:
    """The newest migration this logward knows."""
    return max(MIGRATIONS[-1][0], ENCRYPTED_VERSION)
