"""``logward keys rotate``: re-encrypt the store under a new AES-256 key (issue 12).

Usage::

    logward keys rotate [--data-dir DIR] [--store-key-file FILE] [--new-key-file FILE]

Without ``--new-key-file`` a fresh key is generated and replaces the current
key file (written first as ``FILE.new``, moved into place once the store is
re-encrypted). A key given in ``$LOGWARD_STORE_KEY`` cannot be replaced in
place: give ``--new-key-file``. The old and new key ids go to the audit chain
and the new id to ``meta`` and ``monitor.db.keyid``. Processes holding the
store open (monitor, dashboard) must be restarted afterwards.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from logward.errors import ConfigError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``keys`` and its subcommands to the top-level parser."""
    top = subparsers.add_parser("keys", help="store key management")
    sub = top.add_subparsers(dest="keys_command", metavar="SUBCOMMAND", required=True)
    rotate = sub.add_parser("rotate", help="re-encrypt the store under a new key")
    rotate.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
    rotate.add_argument(
        "--new-key-file", default=None, metavar="FILE", help="the new key (default: generate one)"
    )
    rotate.add_argument("--actor", default=None, help="who rotates (default cli:<user>)")
    rotate.set_defaults(func=_cmd_rotate)


def _cmd_rotate(args: argparse.Namespace) -> int:
    from monitor import (
        STORE_KEY_ENV,
        AuditLog,
        open_store,
        resolve_store_key,
        store_key_of,
        store_path,
    )
    from monitor._store import rekey
    from monitor._storekey import generate_key_file

    path = store_path(args.data_dir)
    if not path.exists():
        raise ConfigError(f"{path}: no logward store here (check --data-dir)")
    conn = open_store(args.data_dir)
    try:
        old = store_key_of(conn)
        staged: tuple[Path, Path] | None = None
        if args.new_key_file:
            new = resolve_store_key(path.parent, key_file=args.new_key_file)
        elif old.source.startswith("$"):
            raise ConfigError(
                f"the store key comes from ${STORE_KEY_ENV}; give the new key with --new-key-file"
            )
        else:
            target = Path(old.source)
            pending = target.with_name(target.name + ".new")
            if pending.exists():
                pending.unlink()
            new = generate_key_file(pending)
            staged = (pending, target)
        if new.key_id == old.key_id:
            raise ConfigError("the new key is the current key")
        rekey(conn, new)
        if staged is not None:
            staged[0].replace(staged[1])
            new_source = str(staged[1])
        else:
            new_source = new.source
        actor = args.actor or f"cli:{getpass.getuser()}"
        AuditLog(conn).append(
            actor, "key_rotate", "", {"old_key_id": old.key_id, "new_key_id": new.key_id}
        )
    finally:
        conn.close()
    print(json.dumps({"old_key_id": old.key_id, "new_key_id": new.key_id, "key_file": new_source}))
    print(
        f"logward: store re-encrypted under key {new.key_id} ({new_source}); "
        "restart processes that hold the store open",
        file=sys.stderr,
    )
    return 0
