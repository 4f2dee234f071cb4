"""Keyed pseudonyms for the people the monitor watches (issue 12).

The audit chain names subjects (accounts, addresses) only by pseudonym:
``pseud:`` + 16 hex digits of HMAC-SHA256 over ``kind:value``. The key is 32
random bytes kept in ``meta`` inside the encrypted store, so it is protected by
the store key, survives ``keys rotate`` (pseudonyms stay stable), and is the
same key ``logward erase`` uses. Raw values stay only where they are needed
and erasable: events, alerts, actions, revocations (all inside the encrypted
store).

Authorised readers (dashboard, report) turn a pseudonym back into the value
with :func:`resolve_pseudonyms`, through the table ``subject_pseudonyms`` (encrypted
with the rest of the store). Erasure deletes the subject's row there, so after
``logward erase`` its pseudonym is no longer resolvable, and audit entries
written since pseudonyms were introduced need no rewrite.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from monitor._denylist import normalize_ip
from monitor._subject import SubjectMatcher

__all__ = [
    "PSEUDONYM_PREFIX",
    "alert_audit",
    "forget_pseudonym",
    "key_subjects",
    "lookup_pseudonym",
    "pseudonym",
    "pseudonymise_fields",
    "pseudonymise_keys",
    "pseudonymise_value",
    "resolve_pseudonyms",
    "subject_kind",
]

PSEUDONYM_PREFIX = "pseud:"
_KEY_NAME = "erasure_pseudonym_key"
_PATTERN = re.compile(r"pseud:[0-9a-f]{16}")
_TABLE = (
    "CREATE TABLE IF NOT EXISTS subject_pseudonyms ("
    " pseudonym TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL)"
)
_CACHE_ATTR = "_logward_pseudonym_key"


def _key(conn: sqlite3.Connection) -> bytes:
    """The pseudonym key, made on first use; cached on the connection once committed.

    Made inside a caller's transaction, it is not cached: if that transaction
    rolls back, the key (and every entry that used it) goes with it.
    """
    cached = getattr(conn, _CACHE_ATTR, None)
    if isinstance(cached, bytes):
        return cached
    in_tx = conn.in_transaction
    row = conn.execute("SELECT v FROM meta WHERE k = ?", (_KEY_NAME,)).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (_KEY_NAME, secrets.token_bytes(32).hex()),
        )
        row = conn.execute("SELECT v FROM meta WHERE k = ?", (_KEY_NAME,)).fetchone()
        if not in_tx:
            conn.commit()
    key = bytes.fromhex(row[0])
    if not in_tx:
        with contextlib.suppress(AttributeError):  # else: looked up each time
            setattr(conn, _CACHE_ATTR, key)
    return key


def subject_kind(field: str) -> str:
    """The pseudonym kind of a field: ``account``, ``ip``, or the field name itself."""
    if field in ("account", "user", "name") or field.endswith(("user.name", "target.name")):
        return "account"
    if field == "ip" or field.endswith(".ip"):
        return "ip"
    return field


def _canonical(kind: str, value: str) -> str:
    if kind == "ip":
        return normalize_ip(value) or value
    return value


def _record(conn: sqlite3.Connection, pseud: str, kind: str, value: str) -> None:
    opened = not conn.in_transaction
    conn.execute(_TABLE)  # cheap when it exists; not cached (a rollback may undo it)
    conn.execute(
        "INSERT INTO subject_pseudonyms (pseudonym, kind, value) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (pseud, kind, value),
    )
    if opened and conn.in_transaction:
        conn.commit()


def pseudonym(conn: sqlite3.Connection, kind: str, value: str, *, record: bool = True) -> str:
    """The keyed pseudonym of ``value``.

    Args:
        conn: an open store connection (the key is made on first use).
        kind: ``account``, ``ip``, or another field name (see :func:`subject_kind`).
        value: the raw value.
        record: remember the value for authorised readers (``subject_pseudonyms``).
    """
    value = _canonical(kind, value)
    mac = hmac.new(_key(conn), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    pseud = PSEUDONYM_PREFIX + mac[:16]
    if record:
        _record(conn, pseud, kind, value)
    return pseud


def pseudonymise_keys(conn: sqlite3.Connection, keys: Mapping[str, str]) -> dict[str, str]:
    """An alert's ``group_by`` values, each replaced by its pseudonym."""
    return {f: pseudonym(conn, subject_kind(f), str(v)) for f, v in keys.items()}


def key_subjects(keys: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(kind, value)`` of an alert's ``group_by`` values."""
    return [(subject_kind(f), str(v)) for f, v in keys.items() if v not in (None, "")]


def alert_audit(
    conn: sqlite3.Connection, keys: Mapping[str, Any], detail: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The audit subject and detail of an alert or of one of its actions, by pseudonym.

    The subject is the alert's ``key_text`` with every value pseudonymised; in
    the detail the group_by values are pseudonymised wherever they occur. The
    raw values stay in the ``alerts`` and ``actions`` rows (joined by
    ``alert_id``), where erasure and retention reach them.
    """
    pseud = pseudonymise_keys(conn, {f: str(v) for f, v in keys.items()})
    subject = " ".join(f"{f}={pseud[f]}" for f in sorted(pseud))
    out = dict(detail)
    return subject, pseudonymise_value(conn, out, key_subjects(keys))


def pseudonymise_value(
    conn: sqlite3.Connection, value: Any, subjects: Iterable[tuple[str, str]]
) -> Any:
    """A JSON value with each subject (``(kind, value)``) replaced by its pseudonym.

    Strings are searched token-wise (``monitor._subject``), so glued forms
    (``user=alice;``, the ``logward accounts reinstate alice`` command) go too.
    """
    pairs = [(SubjectMatcher(v), pseudonym(conn, k, v)) for k, v in dict.fromkeys(subjects) if v]

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            for matcher, pseud in pairs:
                item, _ = matcher.replace(item, pseud)
            return item
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        return item

    return walk(value)


def resolve_pseudonyms(conn: sqlite3.Connection, text: str) -> str:
    """``text`` with every known pseudonym replaced by ``value`` (for authorised readers).

    Erased subjects stay pseudonyms. A store without the table resolves nothing.
    """
    found = set(_PATTERN.findall(text))
    if not found:
        return text
    marks = ", ".join("?" for _ in found)
    try:
        rows = conn.execute(
            f"SELECT pseudonym, value FROM subject_pseudonyms WHERE pseudonym IN ({marks})",  # noqa: S608
            tuple(found),
        ).fetchall()
    except sqlite3.Error:
        return text
    except Exception as exc:  # SQLCipher's errors are not sqlite3's
        if "no such table" in str(exc):
            return text
        raise
    names = {r[0]: r[1] for r in rows}
    return _PATTERN.sub(lambda m: names.get(m.group(0), m.group(0)), text)


def forget_pseudonym(conn: sqlite3.Connection, pseud: str) -> int:
    """Delete what resolves ``pseud`` (erasure); return the rows deleted."""
    conn.execute(_TABLE)
    cur = conn.execute("DELETE FROM subject_pseudonyms WHERE pseudonym = ?", (pseud,))
    return max(cur.rowcount, 0)


def pseudonymise_fields(conn: sqlite3.Connection, detail: Mapping[str, Any]) -> dict[str, Any]:
    """``detail`` with each account/address field's value (and its other mentions) pseudonymised.

    A field is an account or address by its name (:func:`subject_kind`):
    ``source.ip``, ``first_source.ip``, ``user.name``, ``account``...
    """
    subjects = [
        (kind, value)
        for field, value in detail.items()
        if isinstance(value, str) and value and (kind := subject_kind(field)) in ("account", "ip")
    ]
    return dict(pseudonymise_value(conn, dict(detail), subjects)) if subjects else dict(detail)


def lookup_pseudonym(conn: sqlite3.Connection, kind: str, value: str) -> str | None:
    """The pseudonym of ``value`` without writing anything; ``None`` if no key exists yet."""
    cached = getattr(conn, _CACHE_ATTR, None)
    if not isinstance(cached, bytes):
        row = conn.execute("SELECT v FROM meta WHERE k = ?", (_KEY_NAME,)).fetchone()
        if row is None:
            return None
    return pseudonym(conn, kind, value, record=False)
