"""Re-encrypt the store under a new key while other processes keep using it (issue 12).

The order matters, so that every process can open the store at every moment:

1. take the store's write lock (``BEGIN IMMEDIATE``): writers wait, readers go on;
2. write the key ring ``[new, old]`` to the key file (atomic rename): a process
   opening now tries the new key, then the old one, which still works;
3. ``PRAGMA rekey``: every page is rewritten under the new key, and the new
   key id goes to ``meta`` (history of ids in ``store_key_history``), in the
   same transaction; commit;
4. write the ring ``[new]``: the old key is gone from the key file, and the
   sidecar ``monitor.db.keyid`` names the new id.

A running connection under the old key fails its next statement with "file
is not a database"; it re-reads the ring and reopens itself under the new key
(``monitor._storeconn``). If anything fails before the commit, the transaction
is rolled back and the ring is put back to ``[old]``.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sqlite3
import time
from pathlib import Path

from logward_base.errors import StoreError
from monitor._store import STORE_ERRORS, STORE_LOCKED_ERRORS, store_key_of, write_key_id
from monitor._storeconn import StoreConnection
from monitor._storekey import KeyRing, StoreKey, write_key_ring

__all__ = ["new_store_key", "rotate_store_key"]

log = logging.getLogger("monitor.store")


def new_store_key(source: str) -> StoreKey:
    """A fresh random 32-byte key (AES-256) that will live in ``source``."""
    return StoreKey(secrets.token_bytes(32), source)


def rotate_store_key(
    conn: sqlite3.Connection, new: StoreKey, attempts: int = 5
) -> tuple[StoreKey, Path | None]:
    """Re-encrypt the store under ``new`` without stopping its other users.

    Args:
        conn: a connection from ``open_store``.
        new: the new key.
        attempts: tries when the store is busy (each one is rolled back whole).

    Returns:
        The key the store had (read under the lock, so a concurrent rotation is
        accounted for) and the key file that now holds the new key, or ``None``
        when the key came from ``$LOGWARD_STORE_KEY`` (processes using it must
        be restarted).

    Raises:
        StoreError: re-encryption failed (nothing changed; the ring is restored).
        KeyMaterialError: the key file cannot be written.
    """
    store = conn if isinstance(conn, StoreConnection) else None
    if store is None:
        raise StoreError("this connection is not an encrypted logward store")
    path = store.store_file
    ring = store.store_ring.path
    if conn.in_transaction:
        conn.commit()
    with contextlib.suppress(*STORE_ERRORS):  # a smaller WAL to rewrite; best effort
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for attempt in range(1, attempts + 1):
        try:
            old = _rekey_locked(conn, path, ring, new)
            break
        except StoreError as exc:
            busy = isinstance(exc.__cause__, STORE_LOCKED_ERRORS) and "locked" in str(exc)
            if not busy or attempt == attempts:
                raise
            log.warning("logward: store busy during key rotation; trying again (%s)", attempt)
            time.sleep(0.2 * attempt)
    store.store_key = new
    store.store_ring = KeyRing((new,), ring)
    write_key_id(path, new.key_id)
    if ring is not None:
        write_key_ring(ring, [new])
    # Readers may still hold old frames; then the next checkpoint gets them.
    with contextlib.suppress(*STORE_ERRORS):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return old, ring


def _rekey_locked(
    conn: sqlite3.Connection, path: Path, ring: Path | None, new: StoreKey
) -> StoreKey:
    """Steps 1-3: lock, stage the ring, rekey, commit; on failure roll back, restore the ring."""
    staged = False
    step = "lock"
    try:
        conn.execute("BEGIN IMMEDIATE")  # may reopen under a key rotated meanwhile
        old = store_key_of(conn)
        if old.key_id == new.key_id:
            raise StoreError(f"{path}: the store is already encrypted under key {new.key_id}")
        step = "key ring"
        if ring is not None:
            write_key_ring(ring, [new, old])
            staged = True
        step = "rekey"
        conn.execute(f"PRAGMA rekey = {new.pragma}")
        step = "meta"
        row = conn.execute("SELECT v FROM meta WHERE k = 'store_key_history'").fetchone()
        history = (row[0] + " " if row is not None else "") + old.key_id
        conn.execute(
            "INSERT OR REPLACE INTO meta (k, v) VALUES ('store_key_history', ?)", (history,)
        )
        conn.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('store_key_id', ?)", (new.key_id,))
        step = "commit"
        conn.commit()
    except BaseException as exc:
        if conn.in_transaction:
            conn.rollback()
        if staged and ring is not None:
            write_key_ring(ring, [old])
        if isinstance(exc, STORE_ERRORS):
            raise StoreError(
                f"{path}: re-encryption failed at {step}: {exc.__class__.__name__}: {exc}"
            ) from exc
        raise
    return old
