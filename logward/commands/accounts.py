"""``logward accounts list|add|reinstate|unblock-ip``: the embedded account store and revocations.

* ``list``: accounts in the store and every account with a revocation record.
* ``add ACCOUNT [--roles a,b]``: create or update an account in the embedded store.
* ``reinstate ACCOUNT --reason TEXT [--actor NAME]``: undo a revocation through
  the revoker that made it (configured in ``--responses``), audited.
* ``unblock-ip IP --reason TEXT``: remove an address from the deny-list, audited.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from logward_base.errors import ConfigError
from logward_base.paths import data_dir, rules_dir

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``accounts`` and its subcommands to the top-level parser."""
    top = subparsers.add_parser("accounts", help="list, add and reinstate accounts")
    sub = top.add_subparsers(dest="accounts_command", metavar="SUBCOMMAND", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")

    lst = sub.add_parser("list", help="list accounts and their revocation state")
    common(lst)
    lst.add_argument("--json", action="store_true", help="one JSON object per line")
    lst.add_argument("--revoked", action="store_true", help="only currently revoked accounts")
    lst.set_defaults(func=_cmd_list)

    add = sub.add_parser("add", help="add an account to the embedded store")
    common(add)
    add.add_argument("account")
    add.add_argument("--roles", default="", help="comma-separated roles")
    add.add_argument("--actor", default=None, help="who (default: the OS user)")
    add.set_defaults(func=_cmd_add)

    rein = sub.add_parser("reinstate", help="reinstate a revoked account (audited)")
    common(rein)
    rein.add_argument("account")
    rein.add_argument("--reason", required=True, help="why (required; stored scrubbed)")
    rein.add_argument("--actor", default=None, help="who (default: the OS user)")
    rein.add_argument("--responses", default=None, help="responses.yaml (default: shipped)")
    rein.set_defaults(func=_cmd_reinstate)

    unblock = sub.add_parser("unblock-ip", help="remove an address from the deny-list (audited)")
    common(unblock)
    unblock.add_argument("ip")
    unblock.add_argument("--reason", required=True, help="why (required; stored scrubbed)")
    unblock.add_argument("--actor", default=None, help="who (default: the OS user)")
    unblock.add_argument("--responses", default=None, help="responses.yaml (default: shipped)")
    unblock.set_defaults(func=_cmd_unblock)


def _actor(args: argparse.Namespace) -> str:
    import getpass

    if args.actor:
        # Free text typed by a person goes into the audit log: scrub it like any other.
        from monitor import default_scrub

        return default_scrub(str(args.actor))
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _cmd_list(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import iso_time, open_store

    conn = open_store(args.data_dir)
    try:
        rows = conn.execute(
            "SELECT n.name, a.active, a.roles, r.state, r.mode, r.revoked_at, r.expires_at,"
            " r.rule, r.revoker, r.offences, r.reinstated_by"
            " FROM (SELECT name FROM accounts UNION SELECT account FROM revocations) AS n"
            " LEFT JOIN accounts AS a ON a.name = n.name"
            " LEFT JOIN revocations AS r ON r.account = n.name ORDER BY n.name"
        ).fetchall()
    finally:
        conn.close()
    out = []
    for row in rows:
        doc: dict[str, Any] = {
            "account": row[0],
            "active": None if row[1] is None else bool(row[1]),
            "roles": json.loads(row[2]) if row[2] else [],
            "revocation": row[3],
            "mode": row[4],
            "revoked_at": iso_time(row[5]) if row[5] is not None else None,
            "expires_at": iso_time(row[6]) if row[6] is not None else None,
            "rule": row[7],
            "revoker": row[8],
            "offences": row[9] or 0,
            "reinstated_by": row[10],
        }
        if args.revoked and doc["revocation"] != "revoked":
            continue
        out.append(doc)
    if args.json:
        for doc in out:
            sys.stdout.write(json.dumps(doc, separators=(",", ":")) + "\n")
        return 0
    header = f"{'ACCOUNT':24} {'ACTIVE':6} {'STATE':10} {'MODE':14} {'EXPIRES':24} RULE"
    print(header)
    for doc in out:
        active = "-" if doc["active"] is None else ("yes" if doc["active"] else "no")
        print(
            f"{doc['account']:24} {active:6} {doc['revocation'] or '-':10} "
            f"{doc['mode'] or '-':14} {doc['expires_at'] or '-':24} {doc['rule'] or '-'}"
        )
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import AuditLog, open_store, pseudonym

    roles = sorted({r.strip() for r in args.roles.split(",") if r.strip()})
    if not args.account.strip():
        raise ConfigError("account name is empty")
    conn = open_store(args.data_dir)
    try:
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO accounts (name, active, roles, updated_at) VALUES (?, 1, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET roles = excluded.roles,"
            " updated_at = excluded.updated_at",
            (args.account, json.dumps(roles), now),
        )
        subject = pseudonym(conn, "account", args.account)  # by pseudonym (issue 12)
        AuditLog(conn).append(_actor(args), "account_add", subject, {"roles": roles})
        conn.commit()
    finally:
        conn.close()
    print(f"account {args.account} saved (roles: {', '.join(roles) or 'none'})")
    return 0


def _cmd_reinstate(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import load_revokers, open_store, reinstate

    conn = open_store(args.data_dir)
    try:
        revokers = load_revokers(conn, args.responses)
        result = reinstate(conn, args.account, _actor(args), args.reason, revokers)
    finally:
        conn.close()
    print(f"reinstated {result.target} via {result.revoker}")
    return 0


def _cmd_unblock(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import (
        AuditLog,
        DenyList,
        default_scrub,
        load_responses,
        normalize_ip,
        open_store,
        pseudonym,
    )

    ip = normalize_ip(args.ip)
    if ip is None:
        raise ConfigError("unblock-ip: not an IP address or CIDR")
    if not args.reason.strip():
        raise ConfigError("unblock-ip needs a reason")
    config = load_responses(args.responses or rules_dir() / "responses.yaml")
    conn = open_store(args.data_dir)
    try:
        deny = DenyList(conn, data_dir(args.data_dir) / config.denylist_file)
        removed = deny.remove(ip)
        AuditLog(conn).append(
            _actor(args),
            "deny_ip_remove",
            pseudonym(conn, "ip", ip),  # by pseudonym (issue 12)
            {
                "why": default_scrub(args.reason.strip()),
                "outcome": "done" if removed else "absent",
            },
        )
    finally:
        conn.close()
    print(f"{ip} {'removed from' if removed else 'was not on'} the deny-list")
    return 0 if removed else 1
