"""Opening the PostgreSQL store: reach the server, migrate, pick the store key, check the version.

:func:`open_postgres` is what the ``postgresql://`` backend of ``monitor.store``
calls; the connection it returns is ``_postgres.PgConnection``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from logward_base.errors import StoreError
from monitor.store._migrations import KEY_ID_META, latest_version, migrate
from monitor.store._pgcrypt import FieldCipher
from monitor.store._pgkeys import cipher_for
from monitor.store._pgpool import CONNECT_TIMEOUT
from monitor.store._pgrows import describe_url
from monitor.store._postgres import PgConnection

__all__ = ["open_postgres"]

log = logging.getLogger("monitor.store")


def open_postgres(
    url: str,
    data_dir: Path | None,
    *,
    readonly: bool = False,
    key_file: str | os.PathLike[str] | None = None,
) -> PgConnection:
    """Reach the server, apply pending migrations (unless ``readonly``), return a connection.

    Personal fields are encrypted under the store key (``_pgkeys``, ``_pgcrypt``).

    Raises:
        StoreError: the server cannot be reached or refuses us (names host and
            database, never the password), or the store is newer than this logward.
        KeyMaterialError: the store key is missing or not the store's (names the
            key file and key ids).
    """
    where = describe_url(url)
    keys = str(key_file) if key_file else None
    cipher: FieldCipher | None = None

    def make(recorded: str | None, *, new: bool = True) -> FieldCipher:
        nonlocal cipher
        cipher = cipher_for(where, data_dir, keys, recorded, new_store=new)
        return cipher

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as probe:
            if readonly:
                row = probe.execute(
                    "SELECT to_regclass('schema_migrations') IS NOT NULL"
                ).fetchone()
                if row is None or not row[0]:
                    raise StoreError(f"PostgreSQL store ({where}): no logward store here")
            else:
                applied = migrate(probe, make)
                if applied:
                    log.info("store %s: applied migrations %s", where, applied)
            recorded = None
            exists = probe.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
            if exists is not None and exists[0]:
                got = probe.execute("SELECT v FROM meta WHERE k = %s", (KEY_ID_META,)).fetchone()
                recorded = got[0] if got is not None else None
            if recorded is not None and (cipher is None or cipher.key_id != recorded):
                make(recorded, new=False)
            newest = probe.execute("SELECT max(version) FROM schema_migrations").fetchone()
    except psycopg.Error as exc:
        reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        if url and urlsplit(url).password:
            reason = reason.replace(urlsplit(url).password or "", "***")
        raise StoreError(
            f"cannot open the PostgreSQL store ({where}): {exc.__class__.__name__}: {reason}"
        ) from None
    if newest is not None and newest[0] is not None and int(newest[0]) > latest_version():
        raise StoreError(
            f"PostgreSQL store ({where}): schema version {newest[0]} is newer than this "
            f"logward understands ({latest_version()}); upgrade logward"
        )
    return PgConnection(url, data_dir, readonly=readonly, cipher=cipher)
