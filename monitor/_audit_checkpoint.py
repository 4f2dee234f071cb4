"""Checkpoints of the audit chain, so retention can remove old entries without breaking it.

Pruning removes a prefix of the chain (entries ``1..through_seq``) and records
one signed checkpoint row: how many entries went, their time span, why, and
``head_hash``, the hash of the last removed entry, which is the ``prev_hash``
the remaining chain starts from. ``mac`` is HMAC-SHA256 over those fields,
keyed by a random 32-byte key kept in ``meta`` inside the encrypted store
(whoever cannot decrypt the store can neither read nor forge it).
``AuditLog.verify`` starts from the newest checkpoint after checking its MAC.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from dataclasses import dataclass

__all__ = ["Checkpoint", "add_checkpoint", "latest_checkpoint"]

_MAC_KEY = "audit_checkpoint_key"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One retention checkpoint of the audit chain."""

    created_at: float
    through_seq: int
    head_hash: str
    removed: int
    first_ts: float | None
    last_ts: float | None
    reason: str
    mac: str

    def body(self) -> bytes:
        """The canonical bytes the MAC covers."""
        return json.dumps(
            [
                repr(self.created_at),
                self.through_seq,
                self.head_hash,
                self.removed,
                None if self.first_ts is None else repr(self.first_ts),
                None if self.last_ts is None else repr(self.last_ts),
                self.reason,
            ],
            separators=(",", ":"),
        ).encode()


def _mac_key(conn: sqlite3.Connection, *, create: bool) -> bytes | None:
    row = conn.execute("SELECT v FROM meta WHERE k = ?", (_MAC_KEY,)).fetchone()
    if row is not None:
        return bytes.fromhex(row[0])
    if not create:
        return None
    key = secrets.token_bytes(32)
    conn.execute("INSERT INTO meta (k, v) VALUES (?, ?)", (_MAC_KEY, key.hex()))
    return key


def _sign(key: bytes, cp: Checkpoint) -> str:
    return hmac.new(key, cp.body(), hashlib.sha256).hexdigest()


def add_checkpoint(
    conn: sqlite3.Connection,
    *,
    now: float,
    through_seq: int,
    head_hash: str,
    removed: int,
    first_ts: float | None,
    last_ts: float | None,
    reason: str,
) -> Checkpoint:
    """Sign and insert a checkpoint (inside the caller's transaction)."""
    key = _mac_key(conn, create=True)
    assert key is not None
    draft = Checkpoint(now, through_seq, head_hash, removed, first_ts, last_ts, reason, "")
    cp = Checkpoint(
        now, through_seq, head_hash, removed, first_ts, last_ts, reason, _sign(key, draft)
    )
    conn.execute(
        "INSERT INTO audit_checkpoints (created_at, through_seq, head_hash, removed, first_ts,"
        " last_ts, reason, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (now, through_seq, head_hash, removed, first_ts, last_ts, reason, cp.mac),
    )
    return cp


def latest_checkpoint(conn: sqlite3.Connection) -> tuple[Checkpoint | None, bool]:
    """Return the newest checkpoint and whether its MAC verifies (``(None, True)`` if none)."""
    try:
        row = conn.execute(
            "SELECT created_at, through_seq, head_hash, removed, first_ts, last_ts, reason, mac"
            " FROM audit_checkpoints ORDER BY through_seq DESC, id DESC LIMIT 1"
        ).fetchone()
    except Exception as exc:  # a store from before checkpoints: no table, no checkpoint
        if "no such table" in str(exc):
            return None, True
        raise
    if row is None:
        return None, True
    cp = Checkpoint(*tuple(row))
    key = _mac_key(conn, create=False)
    ok = key is not None and hmac.compare_digest(_sign(key, cp), cp.mac)
    return cp, ok
