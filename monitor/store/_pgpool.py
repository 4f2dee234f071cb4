"""Connection pools of the PostgreSQL store: one ``psycopg_pool`` pool per URL, per process."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

__all__ = ["CONNECT_TIMEOUT", "close_pools", "pool"]

#: Seconds to wait for a connection (the server is unreachable after that).
CONNECT_TIMEOUT = 10

_POOLS: dict[str, ConnectionPool[psycopg.Connection[Any]]] = {}
_POOLS_LOCK = threading.Lock()


def pool(url: str) -> ConnectionPool[psycopg.Connection[Any]]:
    """The pool for ``url``, opened on first use (autocommit connections)."""
    with _POOLS_LOCK:
        found = _POOLS.get(url)
        if found is None:
            found = ConnectionPool(
                url,
                min_size=1,
                max_size=48,  # the dashboard holds one per worker thread
                kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                check=ConnectionPool.check_connection,
                open=True,
                name="logward-store",
                timeout=60,
            )
            _POOLS[url] = found
        return found


def close_pools() -> None:
    """Close every pool this process opened (tests; process exit does it otherwise)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for each in pools:
        each.close()
