"""``logward keys rotate``: re-encrypt the store under a new AES-256 key (issue 12).

Usage::

    logward keys rotate [--data-dir DIR] [--store-key-file FILE] [--new-key-file FILE]

Without downtime: running monitors and dashboards keep working (see
``monitor._rotate``). A fresh key is generated (or taken from
``--new-key-file``) and the current key file becomes a key ring holding the
new key, then the old one, while the store is re-encrypted under the store's
write lock; afterwards it holds only the new key. Running connections re-read
it and reconnect. A key given in ``$LOGWARD_STORE_KEY`` has no file to update:
give ``--new-key-file``, and restart the processes that use the variable. The
old and new key ids go to the audit chain and the new id to ``meta`` and
``monitor.db.keyid``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from logward_base.errors import ConfigError

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
    # start-up time: loaded only when this command runs
    import getpass

    from monitor import (
        AuditLog,
        new_store_key,
        open_store,
        read_key_ring,
        rotate_store_key,
        store_key_of,
        store_path,
    )

    path = store_path(args.data_dir)
    if not path.exists():
        raise ConfigError(f"{path}: no logward store here (check --data-dir)")
    conn = open_store(args.data_dir)
    try:
        old = store_key_of(conn)
        if args.new_key_file:
            new = read_key_ring(Path(args.new_key_file))[0]
        elif old.source.startswith("$"):
            raise ConfigError(
                f"the store key comes from {old.source}; give the new key with --new-key-file"
            )
        else:
            new = new_store_key(old.source)
        if new.key_id == old.key_id:
            raise ConfigError("the new key is the current key")
        old, ring = rotate_store_key(conn, new)  # old: as found under the lock
        actor = args.actor or f"cli:{getpass.getuser()}"
        AuditLog(conn).append(
            actor, "key_rotate", "", {"old_key_id": old.key_id, "new_key_id": new.key_id}
        )
    finally:
        conn.close()
    key_file = str(ring) if ring is not None else new.source
    print(json.dumps({"old_key_id": old.key_id, "new_key_id": new.key_id, "key_file": key_file}))
    if ring is not None:
        tail = "running processes switch to it by themselves"
    else:
        tail = f"restart processes that use {old.source} with the new key"
    print(
        f"logward: store re-encrypted under key {new.key_id} ({key_file}); {tail}",
        file=sys.stderr,
    )
    return 0
