"""Erasure on request: remove one person's (account's or address's) data from the store.

* events of the subject (its ``user.name`` or ``source.ip``, or any event whose
  document holds the subject as a value) and its per-minute rate rows are deleted;
* in alerts, actions, revocations, the account store, window state and the
  audit chain, the subject is replaced by a keyed pseudonym
  (``pseud:`` + 16 hex of HMAC-SHA256, key random and kept in ``meta`` inside
  the encrypted store), so the record of what happened survives without the
  identifier; a deny-list entry for an erased address is removed;
* the audit chain is re-hashed from the first rewritten entry, and the erasure
  itself is appended (by pseudonym, with the previous head hash), so
  ``logward audit verify`` passes and the chain holds no raw identifier;
* deleted rows are overwritten (``secure_delete``), the WAL is truncated and
  the file is rebuilt (VACUUM).

Values are compared exactly (JSON values are walked, never substring-replaced),
since client-written names may contain anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from monitor._audit import AuditLog, _digest

__all__ = ["ErasureResult", "erase_subject", "pseudonym"]

_PSEUDONYM_KEY = "erasure_pseudonym_key"
_FIELDS = {"account": "user.name", "ip": "source.ip"}


@dataclass(frozen=True, slots=True)
class ErasureResult:
    """What erasure removed or rewrote (counts), and the subject's pseudonym."""

    pseudonym: str
    events: int = 0
    rates: int = 0
    alerts: int = 0
    actions: int = 0
    revocations: int = 0
    accounts: int = 0
    deny_list: int = 0
    window_state: int = 0
    audit: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Counts by table, and the pseudonym."""
        return asdict(self)


def pseudonym(conn: sqlite3.Connection, kind: str, value: str) -> str:
    """The keyed pseudonym of ``value`` (``kind`` is ``account`` or ``ip``).

    The key (32 random bytes) is made on first use and kept in ``meta``.
    """
    row = conn.execute("SELECT v FROM meta WHERE k = ?", (_PSEUDONYM_KEY,)).fetchone()
    if row is not None:
        key = bytes.fromhex(row[0])
    else:
        key = secrets.token_bytes(32)
        conn.execute("INSERT INTO meta (k, v) VALUES (?, ?)", (_PSEUDONYM_KEY, key.hex()))
        conn.commit()
    mac = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"pseud:{mac[:16]}"


def _walk(value: Any, subject: str, pseud: str) -> tuple[Any, bool]:
    """Replace ``subject`` in a JSON value: keys equal to it, and in strings (see ``_plain``)."""
    if isinstance(value, str):
        return _plain(value, subject, pseud)
    if isinstance(value, list):
        items = [_walk(v, subject, pseud) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        changed = False
        for k, v in value.items():
            nv, c = _walk(v, subject, pseud)
            nk = pseud if k == subject else k
            changed = changed or c or nk != k
            out[nk] = nv
        return out, changed
    return value, False


def _json_text(text: str, subject: str, pseud: str) -> tuple[str, bool]:
    try:
        value = json.loads(text)
    except ValueError:
        return _plain(text, subject, pseud)
    new, changed = _walk(value, subject, pseud)
    if not changed:
        return text, False
    return json.dumps(new, sort_keys=isinstance(value, dict), separators=(",", ":")), True


def _plain(text: str, subject: str, pseud: str) -> tuple[str, bool]:
    """Replace ``subject`` as a whole space-separated token, or as ``k=subject``.

    Covers a bare value, a ``key_text`` (``user.name=bob source.ip=...``) and
    command lines in details (``logward accounts reinstate bob``).
    """
    if text == subject:
        return pseud, True
    tokens = text.split(" ")
    out = []
    for tok in tokens:
        k, sep, v = tok.partition("=")
        out.append(f"{k}={pseud}" if sep and v == subject else (pseud if tok == subject else tok))
    new = " ".join(out)
    return new, new != text


def _rewrite(
    conn: sqlite3.Connection,
    table: str,
    key: str,
    columns: dict[str, Callable[[str, str, str], tuple[str, bool]]],
    subject: str,
    pseud: str,
    dry_run: bool,
) -> int:
    """Rewrite the rows of ``table`` whose ``columns`` hold ``subject``; return their number."""
    cols = ", ".join(columns)
    where = " OR ".join(f"instr({c}, :s) > 0" for c in columns)
    rows = conn.execute(
        f"SELECT {key}, {cols} FROM {table} WHERE {where}",  # noqa: S608 - fixed names only
        {"s": subject},
    ).fetchall()
    changed = 0
    for row in rows:
        updates: dict[str, str] = {}
        for i, (col, fix) in enumerate(columns.items(), start=1):
            if row[i] is None:
                continue
            new, did = fix(str(row[i]), subject, pseud)
            if did:
                updates[col] = new
        if not updates:
            continue
        changed += 1
        if not dry_run:
            sets = ", ".join(f"{c} = ?" for c in updates)
            conn.execute(
                f"UPDATE OR REPLACE {table} SET {sets} WHERE {key} = ?",  # noqa: S608 - fixed names
                (*updates.values(), row[0]),
            )
    return changed


def _rechain(conn: sqlite3.Connection, subject: str, pseud: str, dry_run: bool) -> tuple[int, int]:
    """Rewrite audit entries holding ``subject``; re-hash from the first. Returns (n, from_seq)."""
    rows = conn.execute(
        "SELECT seq FROM audit WHERE instr(subject, ?) > 0 OR instr(detail, ?) > 0 ORDER BY seq",
        (subject, subject),
    ).fetchall()
    if not rows:
        return 0, 0
    first = int(rows[0][0])
    if dry_run:
        return len(rows), first
    prev_row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (first - 1,)).fetchone()
    prev = prev_row[0] if prev_row is not None else None
    cur = conn.execute(
        "SELECT seq, ts, actor, action, subject, detail, prev_hash FROM audit"
        " WHERE seq >= ? ORDER BY seq",
        (first,),
    ).fetchall()
    for seq, ts, actor, action, subj, detail, old_prev in cur:
        subj, _ = _plain(subj, subject, pseud)
        detail, _ = _json_text(detail, subject, pseud)
        start = prev if prev is not None else old_prev
        digest = _digest(start, ts, actor, action, subj, detail)
        conn.execute(
            "UPDATE audit SET subject = ?, detail = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (subj, detail, start, digest, seq),
        )
        prev = digest
    return len(rows), first


def erase_subject(
    conn: sqlite3.Connection,
    *,
    kind: str,
    value: str,
    actor: str,
    reason: str,
    now: float,
    dry_run: bool = False,
) -> ErasureResult:
    """Erase one subject (``kind`` ``account`` or ``ip``) from the store.

    Args:
        conn: an open store connection.
        kind: ``account`` or ``ip``.
        value: the account name or address.
        actor: who asked (for the audit entry).
        reason: why (for the audit entry; must not contain the identifier).
        now: the current time.
        dry_run: count only; change nothing.
    """
    field = _FIELDS[kind]
    column = "user_name" if kind == "account" else "source_ip"
    pseud = pseudonym(conn, kind, value)
    if not dry_run and not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        candidates = conn.execute(
            "SELECT id, doc, " + column + " FROM events WHERE " + column + " = :s"  # noqa: S608
            " OR instr(doc, :s) > 0",
            {"s": value},
        ).fetchall()
        ids = [r[0] for r in candidates if r[2] == value or _json_text(r[1], value, pseud)[1]]
        rate_key = f"{field}={value}"
        n_rates = conn.execute("SELECT count(*) FROM rates WHERE key = ?", (rate_key,)).fetchone()[
            0
        ]
        n_deny = 0
        if kind == "ip":
            n_deny = conn.execute(
                "SELECT count(*) FROM deny_list WHERE ip = ?", (value,)
            ).fetchone()[0]
        json_fix = _json_text
        counts = {
            "alerts": _rewrite(
                conn,
                "alerts",
                "id",
                {"keys": json_fix, "key_text": _plain, "evidence": json_fix, "labels": json_fix},
                value,
                pseud,
                dry_run,
            ),
            "actions": _rewrite(
                conn, "actions", "id", {"target": _plain, "detail": json_fix}, value, pseud, dry_run
            ),
            "revocations": _rewrite(
                conn,
                "revocations",
                "account",
                {"account": _plain, "reason": _plain},
                value,
                pseud,
                dry_run,
            ),
            "accounts": _rewrite(conn, "accounts", "name", {"name": _plain}, value, pseud, dry_run),
            "window_state": _rewrite(
                conn,
                "window_state",
                "rowid",
                {"key": json_fix, "state": json_fix},
                value,
                pseud,
                dry_run,
            ),
        }
        old_head = conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        n_audit, from_seq = _rechain(conn, value, pseud, dry_run)
        result = ErasureResult(
            pseud,
            events=len(ids),
            rates=int(n_rates),
            deny_list=int(n_deny),
            audit=n_audit,
            **counts,
        )
        if dry_run:
            return result
        conn.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in ids])
        conn.execute("DELETE FROM rates WHERE key = ?", (rate_key,))
        conn.execute("DELETE FROM deny_list WHERE ip = ?", (value,))
        detail: dict[str, Any] = {k: v for k, v in result.as_dict().items() if k != "pseudonym"}
        detail.update(
            kind=kind,
            reason=reason.replace(value, pseud),
            rechained_from=from_seq,
            previous_head=old_head[0] if old_head is not None and from_seq else None,
        )
        AuditLog(conn, clock=lambda: now).append(
            actor.replace(value, pseud), "erase", pseud, detail
        )
        conn.commit()
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return result
