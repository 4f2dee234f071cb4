"""The store's SQLCipher connection, which follows a key rotation while it runs (issue 12).

``logward keys rotate`` re-encrypts the store under a new key while the
monitor and the dashboard keep running. A connection opened under the old key
then fails its next statement with SQLite's "file is not a database" (every
page's HMAC is checked on read, so it can neither read nor write anything
under the old key). This connection catches exactly that, re-reads the key
ring (``monitor._storekey``), and if the ring's current key differs from its
own, reopens itself in place under the current key (same object, so every
holder keeps working) and runs the statement again. That is safe inside a
transaction too: a transaction whose earlier statements read or wrote the
store holds a snapshot or the write lock from before the rotation (which
needs that lock to commit), so it never sees the new key; one that fails so
has only begun (Python's implicit ``BEGIN``) and nothing of it is lost. A
key from ``$LOGWARD_STORE_KEY`` has no ring to re-read: the error then says
to restart with the new key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import sqlcipher3.dbapi2 as sqlcipher

from logward_base.errors import KeyMaterialError
from monitor._storekey import STORE_KEY_ENV, KeyRing, StoreKey, read_key_ring

__all__ = ["KEYID_SUFFIX", "StoreConnection", "open_with_ring", "recorded_key_id"]

KEYID_SUFFIX = ".keyid"
_CACHE_KIB = 32768
_SQLITE_NOTADB = 26
_SQLITE_READONLY = 8  # what a connection says after its pager failed a read

log = logging.getLogger("monitor.store")
_BUSY_S = 30.0  # SQLite's busy timeout, and how long an open waits out a rotation
_SETTLE_S = 0.05


def recorded_key_id(path: Path) -> str | None:
    """The key id in the sidecar ``monitor.db.keyid``, if any."""
    try:
        return path.with_name(path.name + KEYID_SUFFIX).read_text(encoding="ascii").strip()
    except OSError:
        return None


def _is_notadb(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (_SQLITE_NOTADB, _SQLITE_READONLY) or "file is not a database" in str(exc)


class StoreConnection(sqlcipher.Connection):  # type: ignore[misc]
    """A SQLCipher connection that remembers its key and follows a key rotation."""

    store_key: StoreKey
    store_file: Path
    store_ring: KeyRing
    store_readonly: bool
    _rotation_lock: threading.Lock

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        """``Connection.execute``, retried once under the current key after a rotation."""
        try:
            return super().execute(sql, parameters)
        except sqlcipher.DatabaseError as exc:
            if not self._follow_rotation(exc):
                raise
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        """``Connection.executemany``, retried like :meth:`execute`."""
        if not isinstance(parameters, (list, tuple)):
            parameters = list(parameters)  # an iterator cannot be replayed
        try:
            return super().executemany(sql, parameters)
        except sqlcipher.DatabaseError as exc:
            if not self._follow_rotation(exc):
                raise
        return super().executemany(sql, parameters)

    def executescript(self, script: str, /) -> Any:
        """``Connection.executescript``, retried like :meth:`execute`."""
        try:
            return super().executescript(script)
        except sqlcipher.DatabaseError as exc:
            if not self._follow_rotation(exc):
                raise
        return super().executescript(script)

    def _follow_rotation(self, exc: BaseException) -> bool:
        """Reopen under the key ring's current key if the store was re-keyed; say if it was."""
        if not _is_notadb(exc):
            return False
        ring = self.store_ring
        if ring.path is None:
            raise KeyMaterialError(
                f"{self.store_file}: the store no longer opens with the key from "
                f"${STORE_KEY_ENV} (key id {self.store_key.key_id}); if it was re-encrypted "
                "(`logward keys rotate`), restart this process with the new key"
            ) from None
        with self._rotation_lock:
            try:
                keys = read_key_ring(ring.path)
            except KeyMaterialError:
                return False
            if keys[0].key_id == self.store_key.key_id:
                return False  # not a rotation: a damaged file, or a real error
            self._reopen(KeyRing(keys, ring.path))
        log.warning(
            "logward: the store key was rotated; reconnected under key %s", self.store_key.key_id
        )
        return True

    def _reopen(self, ring: KeyRing) -> None:
        """Re-initialise this same connection object under the first key of ``ring`` that works."""

        def attempt(key: StoreKey, current: KeyRing) -> StoreConnection | None:
            self.__init__(  # type: ignore[misc] # in place: holders keep their reference
                _target(self.store_file, self.store_readonly),
                uri=self.store_readonly,
                check_same_thread=False,
                timeout=_BUSY_S,
            )
            if not _unlock(self, key):
                return None
            self.store_key = key
            self.store_ring = current
            _configure(self, readonly=self.store_readonly)
            return self

        _first_key_that_opens(self.store_file, ring, attempt)


def _target(path: Path, readonly: bool) -> str:
    return f"file:{path}?mode=ro" if readonly else str(path)


def _unlock(conn: StoreConnection, key: StoreKey) -> bool:
    """Key the connection and check that it reads; ``False`` if the key does not open it."""
    sqlcipher.Connection.execute(conn, "PRAGMA cipher_log_level = NONE")
    sqlcipher.Connection.execute(conn, f"PRAGMA key = {key.pragma}")
    try:
        sqlcipher.Connection.execute(conn, "SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        return False
    return True


def _settling(ring: KeyRing, deadline: float) -> KeyRing | None:
    """The ring to try again while a rotation may be re-keying the store, else ``None``.

    ``keys rotate`` stages the ring ``[new, old]`` and then re-keys every page
    under the write lock; a process opening the store meanwhile can find that
    neither key reads it yet (pages mid-rewrite, or the lock held). While the
    file still lists more than one key and the deadline (the 30 s busy timeout)
    has not passed, wait briefly and re-read the ring; once the rotation has
    finished the ring holds the new key alone.
    """
    if ring.path is None or time.monotonic() >= deadline:
        return None
    try:
        keys = read_key_ring(ring.path)
    except KeyMaterialError:
        return None
    if len(keys) < 2 and len(ring.keys) < 2 and keys[0].key_id == ring.current.key_id:
        return None  # no rotation in sight: a wrong key or a damaged file
    time.sleep(_SETTLE_S)
    return KeyRing(keys, ring.path)  # a ring rewritten meanwhile is read on the next round


def _first_key_that_opens(
    path: Path,
    ring: KeyRing,
    attempt: Callable[[StoreKey, KeyRing], StoreConnection | None],
) -> StoreConnection:
    """``attempt`` each key of ``ring`` in turn until one opens the store.

    Waits out a key rotation in progress (:func:`_settling`).

    Raises:
        KeyMaterialError: no key opens it (names the key file and ids).
    """
    deadline = time.monotonic() + _BUSY_S
    while True:
        for key in ring.keys:
            conn = attempt(key, ring)
            if conn is not None:
                return conn
        retry = _settling(ring, deadline)
        if retry is None:
            raise _wrong_key(path, ring)
        ring = retry


def _configure(conn: StoreConnection, *, readonly: bool) -> None:
    conn.row_factory = sqlcipher.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA secure_delete = ON")
    # Pages are decrypted when they enter SQLite's own cache (the OS cache holds
    # ciphertext), so give it more room than the 2 MB default: 32 MB at most.
    conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
    if not readonly:
        conn.execute("PRAGMA synchronous = NORMAL")


def _wrong_key(path: Path, ring: KeyRing) -> KeyMaterialError:
    recorded = recorded_key_id(path)
    hint = f" (the store's key id is {recorded})" if recorded else ""
    ids = ", ".join(k.key_id for k in ring.keys)
    return KeyMaterialError(
        f"{path}: cannot decrypt the store with the key from {ring.current.source} "
        f"(key id {ids}){hint}: wrong key, or the file is damaged"
    )


def open_with_ring(path: Path, ring: KeyRing, *, readonly: bool) -> StoreConnection:
    """Open ``path`` under the first key of ``ring`` that decrypts it.

    Raises:
        KeyMaterialError: no key in the ring opens the store (names the key file and ids).
    """

    def attempt(key: StoreKey, current: KeyRing) -> StoreConnection | None:
        conn = cast(
            StoreConnection,
            sqlcipher.connect(
                _target(path, readonly),
                uri=readonly,
                check_same_thread=False,
                timeout=_BUSY_S,
                factory=StoreConnection,
            ),
        )
        if not _unlock(conn, key):
            conn.close()
            return None
        conn.store_key = key
        conn.store_file = path
        conn.store_ring = current
        conn.store_readonly = readonly
        conn._rotation_lock = threading.Lock()
        _configure(conn, readonly=readonly)
        return conn

    return _first_key_that_opens(path, ring, attempt)
