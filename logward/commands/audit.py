"""``logward audit verify|export``: check and export the hash-chained audit log.

* ``verify``: recompute the chain; exit 0 if intact, 1 naming the first bad
  ``seq`` if an entry was edited, deleted or reordered.
* ``export --format csv|json [--since WHEN] [--output FILE]``: the entries for
  an auditor, with their hashes so the export itself can be re-verified.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from logward_base.errors import ConfigError

if TYPE_CHECKING:
    import sqlite3

__all__ = ["register"]

_COLUMNS = ("seq", "time", "actor", "action", "subject", "detail", "prev_hash", "hash")


def register(subparsers: Any) -> None:
    """Add ``audit`` and its subcommands to the top-level parser."""
    top = subparsers.add_parser("audit", help="verify and export the audit log")
    sub = top.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)

    verify = sub.add_parser("verify", help="verify the hash chain (exit 1 if broken)")
    verify.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
    verify.add_argument("--json", action="store_true", help="print the status as JSON")
    verify.set_defaults(func=_cmd_verify)

    export = sub.add_parser("export", help="export audit entries as CSV or JSON")
    export.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
    export.add_argument("--format", choices=("csv", "json"), required=True)
    export.add_argument(
        "--since", default=None, help="ISO 8601 date/time (UTC if no zone) or epoch seconds"
    )
    export.add_argument("--output", default=None, help="file to write (default: stdout)")
    export.set_defaults(func=_cmd_export)


def parse_since(text: str) -> float:
    """Parse ``--since``: epoch seconds, or an ISO 8601 date/time (UTC if no zone).

    Raises:
        ConfigError: the value is neither.
    """

    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise ConfigError("--since must be an ISO 8601 date/time or epoch seconds")
        return seconds
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError("--since must be an ISO 8601 date/time or epoch seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _existing_store(data_dir: str | None) -> sqlite3.Connection:
    """Open the store, refusing to create one: verifying nothing must not pass."""
    # start-up time: loaded only when this command runs
    from logward_base.paths import data_dir as resolve
    from monitor import DB_FILENAME, open_store
    from monitor.store import is_postgres, resolve_url

    if is_postgres(resolve_url(None)):  # --store / $LOGWARD_STORE: must exist already
        return open_store(data_dir, readonly=True)
    path = resolve(data_dir) / DB_FILENAME
    if not path.is_file():
        raise ConfigError(f"{path}: no logward store here (check --data-dir)")
    return open_store(path.parent)


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _cmd_verify(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from monitor import AuditLog

    conn = _existing_store(args.data_dir)
    try:
        status = AuditLog(conn).verify()
    finally:
        conn.close()
    if args.json:
        doc = {
            "ok": status.ok,
            "entries": status.entries,
            "first_bad_seq": status.first_bad_seq,
            "reason": status.reason,
        }
        print(json.dumps(doc))
    elif status.ok:
        print(f"audit chain OK: {status.entries} entries verified")
    else:
        print(f"audit chain BROKEN at seq {status.first_bad_seq}: {status.reason}")
    return 0 if status.ok else 1


def _rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The entries to export; the export itself is then audited (who took a copy)."""
    # start-up time: loaded only when this command runs
    from monitor import AuditLog, iso_time

    since = parse_since(args.since) if args.since else None
    conn = _existing_store(args.data_dir)
    try:
        log = AuditLog(conn)
        entries = [e for e in log.entries() if since is None or e.ts >= since]
        log.append(
            _actor(),
            "audit_export",
            "",
            {"format": args.format, "since": args.since, "entries": len(entries)},
        )
    finally:
        conn.close()
    return [
        {
            "seq": e.seq,
            "time": iso_time(e.ts),
            "ts": e.ts,
            "actor": e.actor,
            "action": e.action,
            "subject": e.subject,
            "detail": dict(e.detail),
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in entries
    ]


def _write(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write("[\n")
        out.write(",\n".join(json.dumps(r, sort_keys=True) for r in rows))
        out.write("\n]\n" if rows else "]\n")
        return
    from logward._csv import SafeCsvWriter  # start-up time: only for CSV

    writer = SafeCsvWriter(out)
    writer.writerow(_COLUMNS)
    for r in rows:
        detail = json.dumps(r["detail"], sort_keys=True, separators=(",", ":"))
        writer.writerow([r["seq"], r["time"], r["actor"], r["action"], r["subject"], detail,
                         r["prev_hash"], r["hash"]])  # fmt: skip


def _cmd_export(args: argparse.Namespace) -> int:

    rows = _rows(args)
    if args.output:
        try:
            with Path(args.output).open("w", encoding="utf-8", newline="") as handle:
                _write(rows, args.format, handle)
        except OSError as exc:
            raise ConfigError(f"--output {args.output}: cannot write ({exc.strerror})") from None
        print(f"exported {len(rows)} audit entries to {args.output}", file=sys.stderr)
    else:
        _write(rows, args.format, sys.stdout)
    return 0
