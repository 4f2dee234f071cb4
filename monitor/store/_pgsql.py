"""Translate the SQLite dialect the callers write into PostgreSQL (one cached pass per statement).

This is the "thin adapter" choice of issue 14: about twenty modules run SQL on a
DB-API connection, and the PostgreSQL backend keeps them unchanged by rewriting
the few SQLite-only forms they use:

* ``?`` and ``:name`` placeholders -> ``%s`` / ``%(name)s`` (``%`` doubled);
* ``INSERT OR IGNORE`` -> ``ON CONFLICT DO NOTHING``; ``INSERT OR REPLACE`` ->
  ``ON CONFLICT (primary key) DO UPDATE`` (keys from :data:`PRIMARY_KEYS`);
  ``UPDATE OR REPLACE`` -> ``UPDATE``;
* ``rowid`` -> ``ctid`` (stable inside the transaction that reads and updates);
* ``SET c = c + excluded.c`` in an upsert names the table;
  ``SUM(col = 'x')`` -> ``SUM(CASE ...)``; ``CAST(x AS INTEGER)`` truncates as
  SQLite does; ``+col`` index hints dropped; a subquery in ``FROM`` gets the
  alias PostgreSQL 15 requires;
* DDL: ``INTEGER PRIMARY KEY`` -> identity, ``INTEGER`` -> ``BIGINT``,
  ``REAL`` -> ``DOUBLE PRECISION``.

``instr`` and ``json_extract`` (one level) are SQL functions the first migration
creates. Anything else must be written in the common subset of both dialects.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "PRIMARY_KEYS",
    "TABLE_COLUMNS",
    "bulk_delete_plan",
    "bulk_plan",
    "is_idempotent",
    "translate",
    "translate_ddl",
]

#: Primary keys of every table, for ``INSERT OR REPLACE`` (kept with the migrations).
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "meta": ("k",),
    "alerts": ("id",),
    "revocations": ("account",),
    "accounts": ("name",),
    "deny_list": ("ip",),
    "window_state": ("rule", "key"),
    "rates": ("minute", "kind", "key"),
    "dashboard_sessions": ("sid_hash",),
    "dashboard_totp_state": ("user_name",),
    "dashboard_blocked": ("bucket",),
    "notifications": ("msg_id",),
}
#: Column order of tables written with ``INSERT OR REPLACE INTO t VALUES (...)``.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "dashboard_sessions": ("sid_hash", "user_name", "stage", "issued", "expires"),
    "meta": ("k", "v"),
}

_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\s", re.I)
_OR_REPLACE = re.compile(
    r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*(\(([^)]*)\))?\s*VALUES", re.I
)
_UPDATE_OR = re.compile(r"^\s*UPDATE\s+OR\s+\w+\s+", re.I)
_SUM_EQ = re.compile(r"SUM\((\w+)\s*=\s*('[^']*')\)", re.I)
_CAST_INT = re.compile(r"CAST\(([^()]*)\s+AS\s+INTEGER\)", re.I)
_HINT = re.compile(r"(?<=[\s(,])\+(?=[A-Za-z_])")
_ROWID = re.compile(r"\browid\b", re.I)
_NAMED = re.compile(r":([A-Za-z_]\w*)")
_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.I)
_SET_SELF = re.compile(r"=\s*([A-Za-z_]\w*)\s*\+")


def _placeholders(sql: str) -> str:
    """``?`` -> ``%s``, ``:n`` -> ``%(n)s``, ``%`` -> ``%%``, outside quoted literals."""
    out: list[str] = []
    i, n = 0, len(sql)
    quote = ""
    while i < n:
        ch = sql[i]
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        elif ch == ":" and (i == 0 or sql[i - 1] != ":") and i + 1 < n and sql[i + 1] != ":":
            m = _NAMED.match(sql, i)
            if m is None:
                out.append(ch)
            else:
                out.append(f"%({m.group(1)})s")
                i = m.end()
                continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _alias_subqueries(sql: str) -> str:
    """Give ``FROM (SELECT ...)`` an alias when it has none (PostgreSQL 15 needs one)."""
    upper = sql.upper()
    pos = 0
    out = []
    while True:
        at = upper.find("FROM (", pos)
        if at < 0:
            break
        start = at + len("FROM (")
        if not upper[start:].lstrip().startswith("SELECT"):
            out.append(sql[pos:start])
            pos = start
            continue
        depth, j = 1, start
        while j < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[j], 0)
            j += 1
        out.append(sql[pos:j])
        rest = upper[j:].lstrip()
        if not re.match(
            r"(AS\b|[A-Z_]\w*\b(?<!\bWHERE)(?<!\bGROUP)(?<!\bORDER)(?<!\bLIMIT))", rest
        ):
            out.append(" AS _sq")
        pos = j
    out.append(sql[pos:])
    return "".join(out)


def _upsert(sql: str, m: re.Match[str]) -> str:
    table = m.group(1).lower()
    keys = PRIMARY_KEYS.get(table)
    cols = (
        tuple(c.strip() for c in m.group(3).split(","))
        if m.group(3)
        else TABLE_COLUMNS.get(table, ())
    )
    if keys is None or not cols:
        raise ValueError(f"INSERT OR REPLACE into {table}: its key/columns are not known")
    head = f"INSERT INTO {m.group(1)} ({', '.join(cols)}) VALUES"
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c not in keys)
    action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
    return f"{head}{sql[m.end() :]} ON CONFLICT ({', '.join(keys)}) {action}"


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """Return the PostgreSQL form of one SQLite statement (see the module docstring)."""
    body = sql.strip().rstrip(";")
    if _OR_IGNORE.match(body):
        body = _OR_IGNORE.sub("INSERT INTO ", body, count=1) + " ON CONFLICT DO NOTHING"
    elif (m := _OR_REPLACE.match(body)) is not None:
        body = _upsert(body, m)
    body = _UPDATE_OR.sub("UPDATE ", body, count=1)
    at = body.upper().find("DO UPDATE SET")
    if at >= 0 and (into := _INTO.match(body)) is not None:
        # "count = count + excluded.count": PostgreSQL wants the target table named.
        tail = _SET_SELF.sub(lambda m: f"= {into.group(1)}.{m.group(1)} +", body[at:])
        body = body[:at] + tail
    body = _SUM_EQ.sub(r"SUM(CASE WHEN \1 = \2 THEN 1 ELSE 0 END)", body)
    body = _CAST_INT.sub(r"CAST(trunc(\1) AS BIGINT)", body)
    body = _HINT.sub("", body)
    body = _ROWID.sub("ctid", body)
    body = _alias_subqueries(body)
    return _placeholders(body)


_DDL_RULES = (
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\b", re.I),
     "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
    (re.compile(r"\)\s*WITHOUT\s+ROWID", re.I), ")"),
)  # fmt: skip


def translate_ddl(script: str) -> list[str]:
    """Split a SQLite DDL script into PostgreSQL statements (types mapped, comments dropped)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    text = "\n".join(lines)
    for pattern, repl in _DDL_RULES:
        text = pattern.sub(repl, text)
    return [s.strip() for s in text.split(";") if s.strip()]


_VALUES = re.compile(
    r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\(((?:\s*%s\s*,)*\s*%s\s*)\)", re.I
)
_CONFLICT = re.compile(r"ON\s+CONFLICT\s*\(([^)]*)\)\s*DO\s+UPDATE", re.I)


@functools.lru_cache(maxsize=256)
def bulk_plan(query: str) -> tuple[str, tuple[str, ...], str, tuple[int, ...] | None] | None:
    """How to run a translated single-row INSERT for many rows as one ``unnest`` INSERT.

    Returns ``(table, columns, tail, key)``: the rows go in as one array per
    column (``INSERT INTO table (columns) SELECT * FROM unnest(...)`` + ``tail``,
    the ``ON CONFLICT`` clause if any); ``key`` holds the positions of an
    ``ON CONFLICT (...) DO UPDATE`` target, which one statement must not
    repeat. ``None`` unless the statement is ``INSERT INTO t (cols) VALUES (%s, ...)``.
    """
    m = _VALUES.match(query)
    if m is None:
        return None
    cols = tuple(c.strip().lower() for c in m.group(2).split(","))
    if len(cols) != m.group(3).count("%s") or query.count("%s") != len(cols):
        return None
    key: tuple[int, ...] | None = None
    conflict = _CONFLICT.search(query)
    if conflict is not None:
        target = [c.strip().lower() for c in conflict.group(1).split(",")]
        if any(c not in cols for c in target):
            return None
        key = tuple(cols.index(c) for c in target)
    return m.group(1).lower(), cols, query[m.end() :], key


_DELETE = re.compile(
    r"^\s*DELETE\s+FROM\s+(\w+)\s+WHERE\s+(\w+\s*=\s*%s(?:\s+AND\s+\w+\s*=\s*%s)*)\s*$", re.I
)


@functools.lru_cache(maxsize=64)
def bulk_delete_plan(query: str) -> tuple[str, tuple[str, ...]] | None:
    """``(table, columns)`` when ``query`` is ``DELETE FROM t WHERE a = %s [AND b = %s ...]``.

    Many such deletes run as one ``DELETE ... WHERE (a, b) IN (SELECT * FROM unnest(...))``.
    """
    m = _DELETE.match(query)
    if m is None:
        return None
    cols = tuple(
        part.split("=")[0].strip().lower()
        for part in re.split(r"\s+AND\s+", m.group(2), flags=re.I)
    )
    return m.group(1).lower(), cols


@functools.lru_cache(maxsize=512)
def is_idempotent(query: str) -> bool:
    """True for writes that give the same result when run twice (safe to replay).

    Deletes, ``ON CONFLICT DO NOTHING``, and upserts whose ``DO UPDATE SET``
    only assigns (no ``+``/``-``, e.g. not ``count = rates.count + excluded.count``).
    """
    q = query.lstrip().upper()
    if q.startswith("DELETE"):
        return True
    if not q.startswith("INSERT") or "ON CONFLICT" not in q:
        return False
    tail = q[q.index("ON CONFLICT") :]
    if "DO NOTHING" in tail:
        return True
    return "DO UPDATE" in tail and "+" not in tail and "-" not in tail
