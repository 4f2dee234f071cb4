"""Open the embedded SQLite store (``monitor.db`` under ``--data-dir``).

One connection per thread; WAL mode so the dashboard reads while the monitor
writes. The file is created with mode 0600.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from logward.errors import StoreError
from logward.paths import data_dir as resolve_data_dir
from monitor._schema import DB_FILENAME, SCHEMA, SCHEMA_VERSION

__all__ = ["open_store"]


def open_store(
    data_dir: str | os.PathLike[str] | None = None, *, readonly: bool = False
) -> sqlite3.Connection:
    """Open (creating if needed) the store and return a connection.

    Args:
        data_dir: ``--data-dir``; ``None`` means ``$LOGWARD_DATA_DIR`` or ``./logward-data``.
        readonly: open without creating or migrating (for readers such as the report).

    Returns:
        A connection with ``row_factory = sqlite3.Row``, WAL journal, foreign keys on.

    Raises:
        StoreError: the file cannot be opened, is not a logward store, or is newer
            than this version understands.
    """
    path = Path(resolve_data_dir(data_dir)) / DB_FILENAME
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            if not path.exists():
                path.touch(mode=0o600)
            conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(SCHEMA)
            row = conn.execute("SELECT v FROM meta WHERE k = 'schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta (k, v) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
                conn.commit()
            elif int(row["v"]) > SCHEMA_VERSION:
                raise StoreError(
                    f"{path}: store schema version {row['v']} is newer than this logward "
                    f"understands ({SCHEMA_VERSION}); upgrade logward"
                )
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the store: {exc.__class__.__name__}: {exc}") from exc
    return conn
