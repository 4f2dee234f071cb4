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

The subject is matched as a whole token (``monitor._subject``): glued into
other text (``user=alice;``, ``alice@host``, ``"alice"``, ``user%3Dalice``),
case-insensitively, but never inside a longer word (``malice``) or a longer
name (``alice.smith``). JSON values are walked, keys included. Audit entries
written since subjects are pseudonymised hold no raw value: only older entries
are rewritten, and the subject's row in ``subject_pseudonyms`` is deleted so
its pseudonym no longer resolves.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from monitor._audit import AuditLog, _digest
from monitor._pseudonym import forget_pseudonym, pseudonym
from monitor._store import STORE_ERRORS
from monitor._subject import SubjectMatcher

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


def _walk(value: Any, match: SubjectMatcher, pseud: str) -> tuple[Any, bool]:
    """Replace the subject in a JSON value: in keys and strings, as a whole token."""
    if isinstance(value, str):
        return match.replace(value, pseud)
    if isinstance(value, list):
        items = [_walk(v, match, pseud) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        changed = False
        for k, v in value.items():
            nv, c = _walk(v, match, pseud)
            nk, ck = match.replace(k, pseud)
            changed = changed or c or ck
            out[nk] = nv
        return out, changed
    return value, False


def _json_text(text: str, match: SubjectMatcher, pseud: str) -> tuple[str, bool]:
    try:
        value = json.loads(text)
    except ValueError:
        return match.replace(text, pseud)
    if not isinstance(value, (dict, list, str)):
        return match.replace(text, pseud)
    new, changed = _walk(value, match, pseud)
    if not changed:
        return text, False
    return json.dumps(new, sort_keys=isinstance(value, dict), separators=(",", ":")), True


def _plain(text: str, match: SubjectMatcher, pseud: str) -> tuple[str, bool]:
    """Replace the subject wherever it stands as a whole token (see ``monitor._subject``)."""
    return match.replace(text, pseud)


def _prefilter(columns: Iterable[str], match: SubjectMatcher) -> tuple[str, dict[str, str]]:
    """A SQL condition that is true for every row that may hold the subject."""
    params = {f"f{i}": form for i, form in enumerate(match.forms)}
    where = " OR ".join(f"instr(lower({c}), :{p}) > 0" for c in columns for p in params)
    return where, params


def _rewrite(
    conn: sqlite3.Connection,
    table: str,
    key: str,
    columns: dict[str, Callable[[str, SubjectMatcher, str], tuple[str, bool]]],
    subject: SubjectMatcher,
    pseud: str,
    dry_run: bool,
) -> int:
    """Rewrite the rows of ``table`` whose ``columns`` hold ``subject``; return their number."""
    cols = ", ".join(columns)
    where, params = _prefilter(columns, subject)
    rows = conn.execute(
        f"SELECT {key}, {cols} FROM {table} WHERE {where}",  # noqa: S608 - fixed names only
        params,
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


def _rechain(
    conn: sqlite3.Connection, subject: SubjectMatcher, pseud: str, dry_run: bool
) -> tuple[int, int]:
    """Rewrite audit entries holding ``subject``; re-hash from the first. Returns (n, from_seq).

    Entries written since audit subjects are pseudonymised hold no raw value
    and are left alone; only older entries are rewritten.
    """
    where, params = _prefilter(("actor", "subject", "detail"), subject)
    rows = [
        r
        for r in conn.execute(
            f"SELECT seq, actor, subject, detail FROM audit WHERE {where} ORDER BY seq",  # noqa: S608
            params,
        ).fetchall()
        if any(subject.found(str(r[i])) for i in (1, 2, 3))
    ]
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
        actor, _ = _plain(actor, subject, pseud)
        subj, _ = _plain(subj, subject, pseud)
        detail, _ = _json_text(detail, subject, pseud)
        start = prev if prev is not None else old_prev
        digest = _digest(start, ts, actor, action, subj, detail)
        conn.execute(
            "UPDATE audit SET actor = ?, subject = ?, detail = ?, prev_hash = ?, hash = ?"
            " WHERE seq = ?",
            (actor, subj, detail, start, digest, seq),
        )
        prev = digest
    return len(rows), first


def _forget_elsewhere(conn: sqlite3.Connection, match: SubjectMatcher, pseud: str) -> None:
    """Drop the pseudonym's resolution and the dashboard's throttle rows naming the subject."""
    forget_pseudonym(conn, pseud)
    # Other pseudonyms whose value mentions the subject (a search filter, a key_text).
    where, params = _prefilter(("value",), match)
    for other, value in conn.execute(
        f"SELECT pseudonym, value FROM subject_pseudonyms WHERE {where}",  # noqa: S608
        params,
    ).fetchall():
        if match.found(str(value)):
            forget_pseudonym(conn, str(other))
    # The table exists once a dashboard ran (SQLite) and always on PostgreSQL
    # (migration 1), where a failed statement would abort the transaction.
    try:
        keys = [r[0] for r in conn.execute("SELECT DISTINCT key FROM dashboard_login_failures")]
    except STORE_ERRORS:
        keys = []
    for key in keys:
        if match.found(str(key)):
            conn.execute("DELETE FROM dashboard_login_failures WHERE key = ?", (key,))


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
    pseud = pseudonym(conn, kind, value, record=False)
    match = SubjectMatcher(value)
    if not dry_run and not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        where, params = _prefilter(("doc",), match)
        candidates = conn.execute(
            "SELECT id, doc, " + column + " FROM events WHERE " + column + " = :s"  # noqa: S608
            " OR " + where,
            {"s": value, **params},
        ).fetchall()
        ids = [r[0] for r in candidates if r[2] == value or match.found(str(r[1]))]
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
                match,
                pseud,
                dry_run,
            ),
            "actions": _rewrite(
                conn, "actions", "id", {"target": _plain, "detail": json_fix}, match, pseud, dry_run
            ),
            "revocations": _rewrite(
                conn,
                "revocations",
                "account",
                {"account": _plain, "reason": _plain},
                match,
                pseud,
                dry_run,
            ),
            "accounts": _rewrite(conn, "accounts", "name", {"name": _plain}, match, pseud, dry_run),
            "window_state": _rewrite(
                conn,
                "window_state",
                "rowid",
                {"key": json_fix, "state": json_fix},
                match,
                pseud,
                dry_run,
            ),
        }
        old_head = conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        n_audit, from_seq = _rechain(conn, match, pseud, dry_run)
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
        _forget_elsewhere(conn, match, pseud)
        detail: dict[str, Any] = {k: v for k, v in result.as_dict().items() if k != "pseudonym"}
        detail.update(
            kind=kind,
            reason=match.replace(reason, pseud)[0],
            rechained_from=from_seq,
            previous_head=old_head[0] if old_head is not None and from_seq else None,
        )
        AuditLog(conn, clock=lambda: now).append(
            match.replace(actor, pseud)[0], "erase", pseud, detail
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
