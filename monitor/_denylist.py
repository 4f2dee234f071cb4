"""The IP deny-list: alerts keyed by address only block the address, not an account.

State lives in the store's ``deny_list`` table; other systems read it as a
plain-text file (one IP or CIDR per line, rewritten atomically) or over HTTP
(``text/plain``). Entries may expire; expired ones are dropped from both.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["DenyList", "DenylistServer", "denylist_text", "normalize_ip", "serve_denylist"]

_LOCK = threading.Lock()


def normalize_ip(text: str) -> str | None:
    """Return the canonical form of an IP or CIDR, or ``None`` if it is neither.

    IPv4-mapped IPv6 addresses (``::ffff:192.0.2.1``) become plain IPv4.
    """
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen == 128:
        mapped = net.network_address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
    if net.num_addresses == 1:
        return str(net.network_address)
    return str(net)


def denylist_text(conn: sqlite3.Connection, now: float | None = None) -> str:
    """The active deny-list as text: one IP/CIDR per line, sorted, newline-terminated."""
    when = time.time() if now is None else now
    with _LOCK:
        rows = conn.execute(
            "SELECT ip FROM deny_list WHERE expires_at IS NULL OR expires_at > ? ORDER BY ip",
            (when,),
        ).fetchall()
    return "".join(f"{row[0]}\n" for row in rows)


class DenyList:
    """Add, remove, expire and export deny-list entries.

    Args:
        conn: a connection from ``monitor.open_store``.
        path: the exported text file (``None``: no file export).
        clock: returns epoch seconds.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._conn = conn
        self._path = Path(path) if path is not None else None
        self._clock = clock

    @property
    def path(self) -> Path | None:
        """The exported file, if any."""
        return self._path

    def contains(self, ip: str) -> bool:
        """Whether ``ip`` (canonical form) is on the active list."""
        with _LOCK:
            row = self._conn.execute(
                "SELECT 1 FROM deny_list WHERE ip = ? AND (expires_at IS NULL OR expires_at > ?)",
                (ip, self._clock()),
            ).fetchone()
        return row is not None

    def add(
        self,
        ip: str,
        *,
        expires_at: float | None = None,
        alert_id: str | None = None,
        rule: str | None = None,
    ) -> bool:
        """Add or refresh an entry and re-export the file.

        Returns:
            ``True`` if the address was not already actively listed.
        """
        was_listed = self.contains(ip)
        with _LOCK, self._conn:
            self._conn.execute(
                "INSERT INTO deny_list (ip, added_at, expires_at, alert_id, rule)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(ip) DO UPDATE SET"
                " added_at = excluded.added_at, expires_at = excluded.expires_at,"
                " alert_id = excluded.alert_id, rule = excluded.rule",
                (ip, self._clock(), expires_at, alert_id, rule),
            )
        self.export()
        return not was_listed

    def remove(self, ip: str) -> bool:
        """Remove an entry and re-export; ``True`` if it was there."""
        with _LOCK, self._conn:
            cur = self._conn.execute("DELETE FROM deny_list WHERE ip = ?", (ip,))
        self.export()
        return cur.rowcount > 0

    def expire_due(self) -> list[str]:
        """Drop entries whose ``expires_at`` has passed; return their addresses."""
        now = self._clock()
        with _LOCK, self._conn:
            rows = self._conn.execute(
                "SELECT ip FROM deny_list WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (now,),
            ).fetchall()
            self._conn.execute(
                "DELETE FROM deny_list WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,)
            )
        if rows:
            self.export()
        return [row[0] for row in rows]

    def export(self) -> None:
        """Atomically rewrite the text file (write a temp file, fsync, rename)."""
        if self._path is None:
            return
        text = denylist_text(self._conn, self._clock())
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".denylist-", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            # Other systems must read the list; it holds addresses, no secrets.
            Path(tmp).chmod(0o644)
            Path(tmp).replace(self._path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise


class DenylistServer:
    """A running deny-list HTTP endpoint; ``url`` to read it, ``close()`` to stop."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    @property
    def url(self) -> str:
        """The URL of the list."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/denylist.txt"

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_denylist(
    conn: sqlite3.Connection,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Callable[[], float] = time.time,
) -> DenylistServer:
    """Serve ``GET /denylist.txt`` (and ``/``) as ``text/plain`` in a daemon thread.

    Args:
        conn: the store connection (read under a lock).
        host, port: where to listen; port 0 picks a free one.
        clock: returns epoch seconds, to hide expired entries.

    Returns:
        The running server.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path not in ("/", "/denylist.txt"):
                self.send_error(404)
                return
            body = denylist_text(conn, clock()).encode("ascii")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=us-ascii")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.1,), name="denylist-http", daemon=True
    )
    thread.start()
    return DenylistServer(server, thread)
