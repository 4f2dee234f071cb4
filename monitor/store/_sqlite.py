"""The SQLite backend (the embedded default): ``monitor.db`` encrypted by SQLCipher.

``sqlite:///dir`` or a plain path names the directory holding ``monitor.db``
(a path ending in ``.db`` names the file itself, whose directory is used);
no URL means ``--data-dir``. See ``monitor._store`` for encryption and keys.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["SqliteStore", "sqlite_dir"]


def sqlite_dir(url: str, data_dir: str | os.PathLike[str] | None) -> str | os.PathLike[str] | None:
    """The data directory a SQLite URL (or plain path, or ``""``) designates."""
    if not url:
        return data_dir
    path = unquote(urlsplit(url).path) if url.startswith("sqlite:") else url
    if url.startswith("sqlite:") and path.startswith("//"):
        path = path[1:]
    p = Path(path)
    return str(p.parent) if p.suffix == ".db" else str(p)


class SqliteStore:
    """SQLite/SQLCipher: one file, one writer at a time, readers alongside (WAL)."""

    schemes: tuple[str, ...] = ("sqlite",)

    def open(
        self,
        url: str,
        data_dir: str | os.PathLike[str] | None,
        *,
        readonly: bool,
        key_file: str | os.PathLike[str] | None,
    ) -> Any:
        """Open ``monitor.db`` (see ``monitor._store.open_sqlite``)."""
        from monitor._store import open_sqlite

        return open_sqlite(sqlite_dir(url, data_dir), readonly=readonly, key_file=key_file)

    def describe(self, url: str) -> str:
        """The file's path."""
        from monitor._store import store_path

        return str(store_path(sqlite_dir(url, None)))
