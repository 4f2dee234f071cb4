"""``logward store``: look at and prune the encrypted store (issue 12).

Usage::

    logward store stats [--data-dir DIR] [--format text|json]
    logward store prune [--data-dir DIR] [--older-than 365d] [--records-older-than 365d]
                        [--dry-run] [--actor WHO]
    logward store encrypt [--data-dir DIR]     # a store from before encryption

``prune`` deletes events (and per-minute rates, scrub counts) older than
``--older-than``, and alerts, actions, finished revocations and audit entries
whose last activity is older than ``--records-older-than``; it overwrites what
it deletes and rebuilds the file (VACUUM). ``monitor run`` does the same daily
(``--retention``, ``--records-retention``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

from logward_base import parse_duration
from logward_base.errors import ConfigError

if TYPE_CHECKING:
    import sqlite3

    from monitor import RetentionPolicy, RetentionScheduler

__all__ = ["add_retention_args", "register", "retention_scheduler"]


def _days(value: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from None


def add_retention_args(p: argparse.ArgumentParser) -> None:
    """Add the retention periods (default 365 days each) to a parser."""
    p.add_argument(
        "--retention",
        type=_days,
        default=365 * 86400.0,
        metavar="DURATION",
        help="delete events older than this (default 365d)",
    )
    p.add_argument(
        "--records-retention",
        type=_days,
        default=365 * 86400.0,
        metavar="DURATION",
        help="delete alerts/actions/audit this long after their last activity (default 365d)",
    )


def _policy(events: float, records: float) -> RetentionPolicy:
    # start-up time: loaded only when this command runs
    from monitor import RetentionPolicy

    return RetentionPolicy(events=events, records=records)


def retention_scheduler(args: argparse.Namespace, conn: sqlite3.Connection) -> RetentionScheduler:
    """The daily pruning ``monitor run`` does, from its ``--retention`` options."""
    # start-up time: loaded only when this command runs
    from monitor import RetentionScheduler

    return RetentionScheduler(conn, _policy(args.retention, args.records_retention))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``store`` and its subcommands to the top-level parser."""
    top = subparsers.add_parser("store", help="store statistics and retention pruning")
    sub = top.add_subparsers(dest="store_command", metavar="SUBCOMMAND", required=True)
    stats = sub.add_parser("stats", help="row counts and oldest time per table")
    stats.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.set_defaults(func=_cmd_stats)
    prune = sub.add_parser("prune", help="delete what is older than its retention period")
    prune.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
    prune.add_argument("--older-than", type=_days, default=365 * 86400.0, metavar="DURATION")
    prune.add_argument(
        "--records-older-than", type=_days, default=365 * 86400.0, metavar="DURATION"
    )
    prune.add_argument("--dry-run", action="store_true", help="print the counts only")
    prune.add_argument("--actor", default=None, help="who prunes (default cli:<user>)")
    prune.set_defaults(func=_cmd_prune)
    enc = sub.add_parser("encrypt", help="encrypt a store made by an older, unencrypted logward")
    enc.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
    enc.set_defaults(func=_cmd_encrypt)


def _cmd_encrypt(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import encrypt_plaintext_store

    key = encrypt_plaintext_store(args.data_dir)
    print(f"logward: store encrypted under key {key.key_id} ({key.source})", file=sys.stderr)
    return 0


def _existing(data_dir: str | None) -> sqlite3.Connection:
    # start-up time: loaded only when this command runs
    from monitor import open_store, store_path
    from monitor.store import is_postgres, resolve_url

    if not is_postgres(resolve_url(None)) and not store_path(data_dir).exists():
        raise ConfigError(f"{store_path(data_dir)}: no logward store here (check --data-dir)")
    return open_store(data_dir)


def _cmd_stats(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import store_stats

    conn = _existing(args.data_dir)
    try:
        stats = store_stats(conn)
    finally:
        conn.close()
    if args.format == "json":
        print(json.dumps(stats, sort_keys=True))
    else:
        for table, row in stats.items():
            oldest = (
                "-"
                if row["oldest"] is None
                else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(row["oldest"])))
            )
            print(f"{table:<18} {row['count']:>10}  oldest {oldest}")
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    import getpass

    from monitor import prune

    conn = _existing(args.data_dir)
    actor = args.actor or f"cli:{getpass.getuser()}"
    try:
        result = prune(
            conn,
            _policy(args.older_than, args.records_older_than),
            time.time(),
            dry_run=args.dry_run,
            vacuum=True,
            actor=actor,
        )
    finally:
        conn.close()
    verb = "would delete" if args.dry_run else "deleted"
    print(json.dumps({verb.replace(" ", "_"): result.as_dict()}, sort_keys=True))
    print(f"logward: {verb} {sum(result.as_dict().values())} rows", file=sys.stderr)
    return 0
