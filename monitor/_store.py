"""Open the embedded store (``monitor.db`` under ``--data-dir``), encrypted with AES-256.

One connection per thread; WAL mode so the dashboard reads while the monitor
writes. The file is created with mode 0600.

Encryption at rest (issue 12): the whole file is encrypted by SQLCipher 4
(``sqlcipher3`` wheel: AES-256-CBC per page, HMAC-SHA512 per page, a random
IV per page write). Its WAL and rollback journal are encrypted the same way;
the ``-shm`` file holds only page numbers. We chose whole-file encryption over
field-level AES-GCM with blind indexes because every column that may carry a
person's data (addresses and account names in events, alert keys, action
targets, window keys, rate keys, audit subjects, the scrubbed ``doc`` JSON) is
then covered at once, the dashboard's substring searches and GROUP BYs keep
working, and every reader keeps its SQL. PostgreSQL (issue 14) cannot use this:
there personal fields are encrypted one by one on the client with deterministic
AES-256-SIV, keyed from the same store key (``monitor.store._pgcrypt``).

Keys come from ``monitor._storekey``; a raw 32-byte key is used (no PBKDF2 on
each open). A wrong or missing key is a :class:`StoreError` /
:class:`KeyMaterialError` naming the key file, never a plaintext fallback.
Every connection also runs ``PRAGMA secure_delete = ON`` so deleted rows are
overwritten (retention and erasure).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import cast

import sqlcipher3.dbapi2 as sqlcipher

from logward_base.errors import StoreError
from logward_base.paths import data_dir as resolve_data_dir
from monitor._schema import DB_FILENAME, SCHEMA, SCHEMA_VERSION
from monitor._storeconn import KEYID_SUFFIX, open_with_ring
from monitor._storekey import StoreKey, resolve_store_key, resolve_store_keyring
from monitor.store import open_url, resolve_url

__all__ = [
    "KEYID_SUFFIX",
    "STORE_ERRORS",
    "STORE_LOCKED_ERRORS",
    "encrypt_plaintext_store",
    "open_sqlite",
    "open_store",
    "rekey",
    "store_key_of",
    "store_path",
]

#: Catch these instead of ``sqlite3.Error``: the store's connections are SQLCipher's.
STORE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
#: The "database is locked / busy" family (retryable).
STORE_LOCKED_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.OperationalError,
    sqlcipher.OperationalError,
)
_PLAINTEXT_MAGIC = b"SQLite format 3\x00"

log = logging.getLogger("monitor.store")


def store_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the path of ``monitor.db`` under ``data_dir`` (created if needed)."""
    return Path(resolve_data_dir(data_dir)) / DB_FILENAME


def store_key_of(conn: sqlite3.Connection) -> StoreKey:
    """Return the key a connection from :func:`open_store` was opened with.

    Raises:
        StoreError: the connection is not an encrypted store connection.
    """
    key = getattr(conn, "store_key", None)
    cipher = getattr(conn, "cipher", None)
    if cipher is not None:  # PostgreSQL: fields encrypted one by one (monitor.store._pgcrypt)
        raise StoreError(
            f"{cipher.where}: personal fields are encrypted field by field under store key id "
            f"{cipher.key_id}; re-encrypting them under a new key (`logward keys rotate`) is "
            "not built for PostgreSQL yet: keep the current key file"
        )
    if not isinstance(key, StoreKey):
        raise StoreError("this connection is not an encrypted logward store")
    return key


def write_key_id(path: Path, key_id: str) -> None:
    """Record the key id in the plaintext sidecar ``monitor.db.keyid`` (mode 0600)."""
    side = path.with_name(path.name + KEYID_SUFFIX)
    fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key_id + "\n")


def open_store(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    readonly: bool = False,
    key_file: str | os.PathLike[str] | None = None,
    store: str | None = None,
) -> sqlite3.Connection:
    """Open the store ``store`` names (``--store``), else ``$LOGWARD_STORE``, else SQLite.

    ``store`` is a URL (``postgresql://...``, ``sqlite:///dir``) or a path; see
    ``monitor.store``. The PostgreSQL connection has the same surface as the
    SQLite one (typed as ``sqlite3.Connection`` for the callers).

    Raises:
        KeyMaterialError, StoreError, ConfigError: as :func:`open_sqlite`, or
            the PostgreSQL store cannot be reached (names host and database).
    """
    url = resolve_url(store)
    return cast(sqlite3.Connection, open_url(url, data_dir, readonly=readonly, key_file=key_file))


def open_sqlite(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    readonly: bool = False,
    key_file: str | os.PathLike[str] | None = None,
) -> sqlite3.Connection:
    """Open (creating if needed) the encrypted SQLite store and return a connection.

    Args:
        data_dir: ``--data-dir``; ``None`` means ``$LOGWARD_DATA_DIR`` or ``./logward-data``.
        readonly: open without creating or migrating (for readers such as the report).
        key_file: the store key file; ``None`` means ``$LOGWARD_STORE_KEY_FILE``,
            ``$LOGWARD_STORE_KEY``, or ``store.key`` beside the store.

    Returns:
        A DB-API connection with the ``sqlite3.Connection`` interface (SQLCipher's),
        ``row_factory`` rows by name, WAL journal, ``secure_delete`` on.

    Raises:
        KeyMaterialError: the key is missing, unreadable or wrong (names the key file).
        StoreError: the file cannot be opened, is not a logward store, is an
            unencrypted store, or is newer than this version understands.
    """
    path = store_path(data_dir)
    new_store = not path.exists() or path.stat().st_size == 0
    if not new_store:
        with path.open("rb") as handle:
            if handle.read(16) == _PLAINTEXT_MAGIC:
                raise StoreError(
                    f"{path}: this store is not encrypted (made by an older logward); "
                    "encrypt it with `logward store encrypt`"
                )
    if readonly and new_store:
        raise StoreError(f"{path}: no logward store here (check --data-dir)")
    # A key ring (monitor._storekey): connections follow `keys rotate` (monitor._storeconn).
    ring = resolve_store_keyring(path.parent, key_file=key_file, new_store=new_store)
    try:
        if new_store and not path.exists():
            path.touch(mode=0o600)
        conn = open_with_ring(path, ring, readonly=readonly)
        key = conn.store_key
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(SCHEMA)
            row = conn.execute("SELECT v FROM meta WHERE k = 'schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta (k, v) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            elif int(row["v"]) > SCHEMA_VERSION:
                raise StoreError(
                    f"{path}: store schema version {row['v']} is newer than this logward "
                    f"understands ({SCHEMA_VERSION}); upgrade logward"
                )
            if new_store:
                conn.execute(
                    "INSERT OR REPLACE INTO meta (k, v) VALUES ('store_key_id', ?)", (key.key_id,)
                )
                write_key_id(path, key.key_id)
            conn.commit()
    except sqlcipher.Error as exc:
        raise StoreError(f"{path}: cannot open the store: {exc.__class__.__name__}: {exc}") from exc
    return cast(sqlite3.Connection, conn)


def rekey(conn: sqlite3.Connection, new: StoreKey) -> str:
    """Re-encrypt the whole store under ``new`` (SQLCipher ``PRAGMA rekey``); return the old id.

    Every page, and then the WAL, is rewritten under the new key in one
    transaction. Other processes holding the store open must reopen it (the
    monitor restarts from its checkpoint). The new key id is recorded in
    ``meta`` (with the history of ids in ``store_key_history``) and in the sidecar.

    Raises:
        StoreError: the connection is not an encrypted store, or rekeying failed.
    """
    old = store_key_of(conn)
    path: Path = conn.store_file  # type: ignore[attr-defined]
    try:
        if conn.in_transaction:
            conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"PRAGMA rekey = {new.pragma}")
        conn.store_key = new  # type: ignore[attr-defined]
        row = conn.execute("SELECT v FROM meta WHERE k = 'store_key_history'").fetchone()
        history = (row[0] + " " if row is not None else "") + old.key_id
        conn.execute(
            "INSERT OR REPLACE INTO meta (k, v) VALUES ('store_key_history', ?)", (history,)
        )
        conn.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('store_key_id', ?)", (new.key_id,))
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlcipher.Error as exc:
        raise StoreError(f"{path}: re-encryption failed: {exc.__class__.__name__}: {exc}") from exc
    write_key_id(path, new.key_id)
    return old.key_id


def encrypt_plaintext_store(data_dir: str | os.PathLike[str] | None = None) -> StoreKey:
    """Encrypt a store made by an older, unencrypted logward, in place; return its key.

    The plaintext file is exported page by page into an encrypted copy
    (``sqlcipher_export``), the copy replaces it, and the plaintext file, WAL
    and journal are overwritten with zeros before removal (best effort on
    copy-on-write or journaling file systems: prefer encrypting a fresh disk).

    Raises:
        StoreError: the store is not a plaintext logward store, or the export failed.
    """
    path = store_path(data_dir)
    try:
        with path.open("rb") as handle:
            plaintext = handle.read(16) == _PLAINTEXT_MAGIC
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store ({exc.strerror})") from None
    if not plaintext:
        raise StoreError(f"{path}: not an unencrypted store (already encrypted?)")
    key = resolve_store_key(path.parent, new_store=True)
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlcipher.connect(str(path))
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        src.execute("PRAGMA journal_mode = DELETE")
        src.execute(f"ATTACH DATABASE ? AS enc KEY {key.pragma}", (str(tmp),))
        src.execute("SELECT sqlcipher_export('enc')")
        src.execute("DETACH DATABASE enc")
        src.close()
    except sqlcipher.Error as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"{path}: encryption failed: {exc.__class__.__name__}: {exc}") from exc
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.chmod(0o600)
    tmp.replace(path)
    write_key_id(path, key.key_id)
    conn = open_sqlite(path.parent)
    conn.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('store_key_id', ?)", (key.key_id,))
    conn.commit()
    conn.close()
    return key
