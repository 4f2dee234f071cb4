"""Which parameters of a (translated) statement go to personal columns, and the rewrites.

For each PostgreSQL statement the adapter runs, :func:`plan` (cached) finds the
placeholders bound to a personal column (``_pgcrypt.PERSONAL``, by the tables
the statement names) and says how to encrypt each:

* ``INSERT INTO t (cols) VALUES (%s, ...)``: by column position;
* ``col = %s``, ``col <> %s``, ``col IN (%s, ...)``, ``SET col = %s``;
* ``json_extract(keys, '$."user.name"') = %s``: one JSON value (encrypted whole).

Forms that cannot run on ciphertext are rewritten:

* ``col LIKE %s ESCAPE '\\'`` on a personal column (the dashboard's key filter,
  a substring search) becomes an exact match: the pattern's text, without its
  ``%`` wildcards, equals the column or, for ``alerts.key_text``, one of the
  alert's key values (``/alerts?key=198.51.100.7`` or ``key=source.ip=...``);
* ``instr(lower(col), X) > 0`` on a personal column (erasure's pre-filter,
  which re-checks every row in Python) becomes ``col IS NOT NULL``;
* a final ``ORDER BY col`` on a personal column is done on the client, after
  decryption, so lists keep their plaintext order.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from monitor.store._pgcrypt import PERSONAL, FieldCipher

__all__ = ["Plan", "bind", "bind_many", "plan"]

_TABLES = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)", re.I)
_PH = re.compile(r"%s|%\((\w+)\)s")
_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\(", re.I)
_BEFORE = re.compile(
    r"(?:(\w+)\.)?(\w+)\s*(?:=|<>|!=)\s*$|(?:(\w+)\.)?(\w+)\s+(?:NOT\s+)?IN\s*\((?:\s*%s\s*,)*\s*$",
    re.I,
)
_JSON_EQ = re.compile(r"json_extract\((\w+),\s*'[^']*'\)\s*=\s*$", re.I)
_LIKE = re.compile(r"(?:(\w+)\.)?(\w+)\s+LIKE\s+(%s|%\(\w+\)s)\s+ESCAPE\s+'\\+'", re.I)
_INSTR = re.compile(r"instr\(lower\((\w+)\),\s*(%s|%\(\w+\)s)\)\s*>\s*0", re.I)
_ORDER = re.compile(r"\s+ORDER\s+BY\s+(?:\w+\.)?(\w+)(\s+ASC|\s+DESC)?\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Plan:
    """How to run one statement on encrypted columns.

    ``query``: the statement to send. ``positional``: for each ``%s`` of
    ``query``, ``(index of the caller's parameter, kind)``, kind ``""`` (as
    is), ``text``, ``json`` or ``like`` (a LIKE pattern made exact); ``None``
    when the parameters go as they are. ``named``: ``(name, kind)`` of the
    ``%(name)s`` parameters to encrypt. ``order``: a column to sort the rows by
    after decryption (``descending``).
    """

    query: str
    positional: tuple[tuple[int, str], ...] | None = None
    named: tuple[tuple[str, str], ...] = ()
    order: str | None = None
    descending: bool = False


def _personal(tables: list[str]) -> dict[str, str]:
    cols: dict[str, str] = {}
    for table in tables:
        cols.update(PERSONAL.get(table, {}))
    return cols


def _values(text: str) -> tuple[list[str], int]:
    """The top-level items of a ``VALUES (...)`` body (``text`` starts after its
    parenthesis) and the index of the parenthesis closing it (``len(text)`` if none)."""
    items, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                items.append(text[start:i].strip())
                return items, i
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    return items, len(text)


@functools.lru_cache(maxsize=2048)
def plan(query: str) -> Plan:
    """The :class:`Plan` of one translated statement (see the module docstring)."""
    tables = [t.lower() for t in _TABLES.findall(query)]
    cols = _personal(tables)
    if not cols:
        return Plan(query)
    order: str | None = None
    descending = False

    def like(m: re.Match[str]) -> str:
        col = m.group(2).lower()
        if col not in cols:
            return m.group(0)
        ref = f"{m.group(1)}.{m.group(2)}" if m.group(1) else m.group(2)
        first = m.group(3) + "/*like*/"
        again = m.group(3) + ("/*again*/" if m.group(3) == "%s" else "/*like*/")
        if col == "key_text" and "alerts" in tables:
            keys = f"{m.group(1)}.keys" if m.group(1) else "keys"
            values = f"jsonb_each_text({keys}::jsonb) AS _kv"
            exists = f"EXISTS (SELECT 1 FROM {values} WHERE _kv.value = {again})"  # noqa: S608
            return f"({ref} = {first} OR {exists})"
        return f"{ref} = {first}"

    def instr(m: re.Match[str]) -> str:
        if m.group(1).lower() not in cols:
            return m.group(0)
        if m.group(2) == "%s":
            return f"({m.group(1)} IS NOT NULL OR {m.group(2)}::text IS NULL)"
        return f"({m.group(1)} IS NOT NULL)"

    body = _LIKE.sub(like, query)
    body = _INSTR.sub(instr, body)
    om = _ORDER.search(body)
    if om is not None and om.group(1).lower() in cols and " LIMIT " not in body.upper():
        order = om.group(1)
        descending = (om.group(2) or "").strip().upper() == "DESC"
        body = body[: om.start()]
    insert = _INSERT.match(body)
    insert_cols: list[str] = []
    values_at = values_end = -1
    if insert is not None:
        insert_cols = [c.strip().lower() for c in insert.group(2).split(",")]
        values_at = insert.end()
        values_end = values_at + _values(body[values_at:])[1]
    positional: list[tuple[int, str]] = []
    named: list[tuple[str, str]] = []
    index = -1
    clean: list[str] = []
    last = 0
    for m in _PH.finditer(body):
        tail = body[m.end() : m.end() + 9]
        kind = ""
        skip = 0
        if tail.startswith("/*like*/"):
            kind, skip = "like", len("/*like*/")
        elif tail.startswith("/*again*/"):
            kind, skip = "like", len("/*again*/")
        elif insert is not None and values_at <= m.start() < values_end:
            pos = len(_values(body[values_at : m.start()] + ")")[0]) - 1
            if 0 <= pos < len(insert_cols):
                kind = cols.get(insert_cols[pos], "")
        else:
            before = body[max(0, m.start() - 200) : m.start()]
            jm = _JSON_EQ.search(before)
            if jm is not None:
                kind = "text" if jm.group(1).lower() in cols else ""
            else:
                bm = _BEFORE.search(before)
                if bm is not None:
                    kind = cols.get((bm.group(2) or bm.group(4) or "").lower(), "")
        if m.group(1) is None:
            if skip != len("/*again*/"):
                index += 1
            positional.append((index, kind))
        elif kind:
            named.append((m.group(1), kind))
        clean.append(body[last : m.end()])
        last = m.end() + skip
    clean.append(body[last:])
    text = "".join(clean)
    moved = text != query or any(k for _, k in positional)
    return Plan(text, tuple(positional) if moved else None, tuple(named), order, descending)


def bind(cipher: FieldCipher, how: Plan, args: Any) -> Any:
    """The parameters to send for ``how.query``: those bound for personal columns encrypted."""
    if isinstance(args, dict):
        if not how.named:
            return args
        out = dict(args)
        for name, kind in how.named:
            if name in out:
                out[name] = _seal(cipher, kind, out[name])
        return out
    if how.positional is None:
        return args
    return tuple(_seal(cipher, kind, args[i]) if kind else args[i] for i, kind in how.positional)


def bind_many(cipher: FieldCipher, how: Plan, rows: list[Any]) -> list[Any]:
    """:func:`bind` of each row of an ``executemany`` batch, done a column at a time.

    When the statement keeps its parameters in place (every INSERT), only the
    personal columns are touched: one pass over each, with the cipher's cache
    in a local, instead of a Python call per value of every row.
    """
    positional = how.positional
    if not rows or positional is None or not isinstance(rows[0], tuple):
        return [bind(cipher, how, r) for r in rows]
    width = len(rows[0])
    if [i for i, _ in positional] != list(range(width)) or any(len(r) != width for r in rows):
        return [bind(cipher, how, r) for r in rows]
    columns: list[Any] = list(zip(*rows, strict=True))
    for i, kind in positional:
        if kind == "text":
            columns[i] = cipher.encrypt_all(columns[i])
        elif kind:
            columns[i] = [_seal(cipher, kind, v) for v in columns[i]]
    return list(zip(*columns, strict=True))


def _seal(cipher: FieldCipher, kind: str, value: Any) -> Any:
    if kind == "json":
        return cipher.encrypt_json(value)
    if kind == "like" and isinstance(value, str):
        return cipher.encrypt(_unlike(value))
    return cipher.encrypt(value)


def _unlike(pattern: str) -> str:
    """The text of a ``LIKE ... ESCAPE '\\'`` substring pattern: no outer ``%``, unescaped."""
    body = pattern
    if body.startswith("%"):
        body = body[1:]
    if body.endswith("%") and not body.endswith("\\%"):
        body = body[:-1]
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            i += 1
        out.append(body[i])
        i += 1
    return "".join(out)
