"""The field cipher of a PostgreSQL store: its key from ``monitor._storekey``, checked by id.

The store records the id of the key its personal fields are encrypted under
(``meta.field_key_id``, written by migration step 6). Opening the store finds
the key ring as for SQLite (``--store-key-file``, ``$LOGWARD_STORE_KEY_FILE``,
``$LOGWARD_STORE_KEY``, else ``store.key`` under ``--data-dir``); a new store
with no key anywhere gets a fresh ``store.key`` (mode 0600), as SQLite does.
An existing store never gets a new key: a missing key, or a ring without the
recorded id, is a :class:`KeyMaterialError` naming the key file and both key
ids, never the key. Every instance sharing the store needs the same key file
(a secret mount passed with ``--store-key-file``).
"""

from __future__ import annotations

from pathlib import Path

from logward_base.errors import KeyMaterialError
from monitor._storekey import STORE_KEY_ENV, KeyRing, resolve_store_keyring
from monitor.store._pgcrypt import FieldCipher

__all__ = ["cipher_for"]


def cipher_for(
    where: str,
    data_dir: Path | None,
    key_file: str | None,
    recorded: str | None,
    *,
    new_store: bool,
) -> FieldCipher:
    """The cipher for a store whose fields are under key id ``recorded`` (``None``: none yet).

    Raises:
        KeyMaterialError: no key (for an existing store), or not the recorded one.
    """
    try:
        ring = resolve_store_keyring(
            data_dir or Path(), key_file=key_file, new_store=new_store and recorded is None
        )
    except KeyMaterialError as exc:
        if recorded is None:
            raise
        raise KeyMaterialError(
            f"PostgreSQL store ({where}): personal fields are encrypted under store key id "
            f"{recorded}: {exc}"
        ) from None
    ids = [k.key_id for k in ring.keys]
    if recorded is not None and recorded not in ids:
        raise KeyMaterialError(
            f"PostgreSQL store ({where}): personal fields are encrypted under store key id "
            f"{recorded}, but {ring.path or '$' + STORE_KEY_ENV} holds key id(s) "
            f"{', '.join(ids)}: give the store's key with --store-key-file FILE"
        )
    if recorded is not None and ids[0] != recorded:
        # Fields stay under the recorded key (equality lookups need one key per store).
        first = ids.index(recorded)
        ring = KeyRing((ring.keys[first], *ring.keys[:first], *ring.keys[first + 1 :]), ring.path)
    return FieldCipher(ring, f"PostgreSQL store ({where})")
