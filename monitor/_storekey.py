"""The store key: where it comes from, how it is made, and its key id.

The SQLite store (``monitor.db``) is encrypted as a whole with AES-256 by
SQLCipher (see ``monitor._store``); on PostgreSQL the same key encrypts the
personal fields one by one (``monitor.store._pgcrypt``, ``_pgkeys``). Its key
is 32 random bytes, base64 text, found in this order:

1. ``--store-key-file FILE`` (the CLI puts it in ``$LOGWARD_STORE_KEY_FILE``, so
   the subprocesses a command starts, such as the demo's monitor, use it too);
2. ``$LOGWARD_STORE_KEY`` (the base64 key itself);
3. ``store.key`` beside the store under ``--data-dir``.

Key files must be readable by their owner only (the seal and pseudonym keys'
reader, ``scrubber._secrets``, enforces it). When a NEW store is created and no
key is given anywhere, a fresh key is written to ``store.key`` (mode 0600) and
a warning says so on stderr, so ``make run`` and ``logward demo`` need no set-up.
An existing store never gets a new key silently: a missing key is an error.

The key id is the first 8 hex digits of SHA-256 over the key, as for the seal
key: it tells keys apart and cannot recover the key. It is recorded in
``meta`` inside the store and in the plaintext sidecar ``monitor.db.keyid``, so
a wrong key is reported by id without any attempt to guess.

A key file is a small key ring: one base64 key per line, the first is current,
``#`` starts a comment (``keys rotate`` writes each key's id there). Outside a
rotation it holds one key. During ``logward keys rotate`` it briefly holds the
new key and then the old one, so a process opening the store in that window
still gets in; running processes re-read it when the store stops opening
under their key (``monitor._storeconn``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from logward_base.errors import KeyMaterialError
from scrubber import decode_base64_key, read_key_file

__all__ = [
    "STORE_KEY_ENV",
    "STORE_KEY_FILENAME",
    "STORE_KEY_FILE_ENV",
    "KeyRing",
    "StoreKey",
    "generate_key_file",
    "read_key_ring",
    "resolve_store_key",
    "resolve_store_keyring",
    "write_key_ring",
]

STORE_KEY_ENV = "LOGWARD_STORE_KEY"
STORE_KEY_FILE_ENV = "LOGWARD_STORE_KEY_FILE"
STORE_KEY_FILENAME = "store.key"
_KEY_BYTES = 32

log = logging.getLogger("monitor.store")


@dataclass(frozen=True, slots=True)
class StoreKey:
    """A store key and where it came from (for messages; never the key itself)."""

    key: bytes
    source: str

    @property
    def key_id(self) -> str:
        """First 8 hex digits of SHA-256 over the key."""
        return hashlib.sha256(self.key).hexdigest()[:8]

    @property
    def pragma(self) -> str:
        """The SQLCipher ``PRAGMA key`` value: a raw key, so no PBKDF2 on every open."""
        return f"\"x'{self.key.hex()}'\""

    def __repr__(self) -> str:
        return f"StoreKey(key_id={self.key_id!r}, source={self.source!r})"


def _decode(text: str, where: str) -> bytes:
    key = decode_base64_key(text, where, "store key")
    if len(key) != _KEY_BYTES:
        raise KeyMaterialError(
            f"{where}: the store key must be {_KEY_BYTES} bytes (AES-256), got {len(key)}"
        )
    return key


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The keys that may open the store, current first, and the file to re-read after a rotation.

    ``path`` is ``None`` when the key came from ``$LOGWARD_STORE_KEY`` (nothing to re-read).
    """

    keys: tuple[StoreKey, ...]
    path: Path | None

    @property
    def current(self) -> StoreKey:
        """The key new writes are encrypted with."""
        return self.keys[0]


def read_key_ring(path: Path) -> tuple[StoreKey, ...]:
    """Read a key file: one base64 key per line, current first; ``#`` comments.

    Raises:
        KeyMaterialError: unreadable, group/world-accessible, empty or malformed.
    """
    text = read_key_file(path, "store key")
    keys: list[StoreKey] = []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if body:
            where = f"{path}" if number == 1 else f"{path} line {number}"
            keys.append(StoreKey(_decode(body, where), str(path)))
    if not keys:
        raise KeyMaterialError(f"{path}: the store key file holds no key")
    return tuple(keys)


def write_key_ring(path: Path, keys: tuple[StoreKey, ...] | list[StoreKey]) -> None:
    """Replace ``path`` atomically with ``keys`` (current first), mode 0600, synced to disk."""
    lines = [
        "# logward store key ring: the first key is current (see `logward keys rotate`)",
        *(
            f"{base64.b64encode(k.key).decode('ascii')}  # key id {k.key_id}"
            + (" (current)" if i == 0 else " (previous, while rotating)")
            for i, k in enumerate(keys)
        ),
    ]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise KeyMaterialError(
            f"{path}: cannot write the store key file ({exc.strerror})"
        ) from None


def generate_key_file(path: Path) -> StoreKey:
    """Write a fresh random key to ``path`` (mode 0600; refuses to overwrite).

    Raises:
        KeyMaterialError: the file exists or cannot be written.
    """
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise KeyMaterialError(
            f"{path}: cannot create the store key file ({exc.strerror})"
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(key).decode("ascii") + "\n")
    return StoreKey(key, str(path))


def resolve_store_key(
    data_dir: Path,
    *,
    key_file: str | os.PathLike[str] | None = None,
    new_store: bool = False,
    env: Mapping[str, str] | None = None,
) -> StoreKey:
    """Find the current store key (see the module docstring for the order).

    Raises:
        KeyMaterialError: see :func:`resolve_store_keyring`.
    """
    ring = resolve_store_keyring(data_dir, key_file=key_file, new_store=new_store, env=env)
    return ring.current


def resolve_store_keyring(
    data_dir: Path,
    *,
    key_file: str | os.PathLike[str] | None = None,
    new_store: bool = False,
    env: Mapping[str, str] | None = None,
) -> KeyRing:
    """Find the store's key ring (see the module docstring for the order).

    Args:
        data_dir: the directory holding the store.
        key_file: an explicit key file (wins over everything).
        new_store: the store does not exist yet; a missing key is then generated.
        env: environment (default ``os.environ``).

    Raises:
        KeyMaterialError: the key is missing (for an existing store), unreadable,
            group/world-accessible or malformed. The message names the key file.
    """
    environ = os.environ if env is None else env
    chosen = key_file or environ.get(STORE_KEY_FILE_ENV) or None
    if chosen:
        path = Path(chosen)
        return KeyRing(read_key_ring(path), path)
    text = environ.get(STORE_KEY_ENV)
    if text:
        return KeyRing((StoreKey(_decode(text, f"${STORE_KEY_ENV}"), f"${STORE_KEY_ENV}"),), None)
    beside = data_dir / STORE_KEY_FILENAME
    if beside.exists():
        return KeyRing(read_key_ring(beside), beside)
    if not new_store:
        raise KeyMaterialError(
            f"{beside}: no store key for the encrypted store in {data_dir}: restore this key "
            f"file, or give the key with --store-key-file FILE or ${STORE_KEY_ENV}"
        )
    try:
        made = generate_key_file(beside)
    except KeyMaterialError:
        if not beside.exists():
            raise
        # Another process creating the same store won the race: use its key.
        return KeyRing(read_key_ring(beside), beside)
    log.warning(
        "logward: created a new store key %s (key id %s); keep it: the store cannot be "
        "read without it",
        beside,
        made.key_id,
    )
    return KeyRing((made,), beside)
