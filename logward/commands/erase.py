"""``logward erase``: erase one person's data from the store on request (issue 12).

Usage::

    logward erase (--account NAME | --ip ADDR) --actor WHO --reason TEXT [--dry-run]
                  [--data-dir DIR]

Deletes the subject's events, replaces the subject by a keyed pseudonym in
alerts, actions, revocations, window state and the audit chain (re-hashed, so
``logward audit verify`` passes), records the erasure in the audit chain by
pseudonym, and rebuilds the file so nothing of it is left. ``--dry-run`` prints
the counts and changes nothing. Output never contains the identifier.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from logward_base.errors import ConfigError
from logward_base.paths import data_dir, rules_dir

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``erase`` to the top-level parser."""
    p = subparsers.add_parser("erase", help="erase one account's or address's data")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--account", metavar="NAME", default=None)
    who.add_argument("--ip", metavar="ADDR", default=None)
    p.add_argument("--actor", required=True, help="who asked for the erasure")
    p.add_argument("--reason", required=True, help="why (e.g. a ticket number)")
    p.add_argument("--dry-run", action="store_true", help="print the counts only")
    p.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
    p.add_argument("--responses", default=None, help="responses.yaml (for the deny-list file)")
    p.set_defaults(func=_cmd_erase)


def _cmd_erase(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import (
        DenyList,
        erase_subject,
        load_responses,
        normalize_ip,
        open_store,
        store_path,
    )
    from monitor.store import is_postgres, resolve_url

    path = store_path(args.data_dir)
    if not is_postgres(resolve_url(None)) and not path.exists():
        raise ConfigError(f"{path}: no logward store here (check --data-dir)")
    kind, value = ("account", args.account) if args.account is not None else ("ip", args.ip)
    if not value:
        raise ConfigError(f"--{kind}: empty value")
    if kind == "ip":
        value = normalize_ip(value) or ""
        if not value or "/" in value:
            raise ConfigError("--ip: not an IP address")
    conn = open_store(args.data_dir)
    try:
        result = erase_subject(
            conn,
            kind=kind,
            value=value,
            actor=args.actor,
            reason=args.reason,
            now=time.time(),
            dry_run=args.dry_run,
        )
        if result.deny_list and not args.dry_run:
            # The exported file (the documented plaintext exception) must drop it too.
            config = load_responses(args.responses or rules_dir() / "responses.yaml")
            DenyList(conn, data_dir(args.data_dir) / config.denylist_file).export()
    finally:
        conn.close()
    verb = "would_erase" if args.dry_run else "erased"
    print(json.dumps({verb: result.as_dict()}, sort_keys=True))
    print(f"logward: {verb.replace('_', ' ')} {kind} {result.pseudonym}", file=sys.stderr)
    return 0
