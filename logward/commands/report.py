"""``logward report``: records for an audit, from the embedded store."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from logward_base.errors import ConfigError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="audit report: redactions, quarantine, alerts, revocations, access, audit chain",
        description="Build the audit report from the store under --data-dir. Contains no PII.",
    )
    p.add_argument("--data-dir", help="data directory (default ./logward-data)")
    p.add_argument("--since", default="30d", help="period start: 30d, 12h, 90m or ISO date")
    p.add_argument("--format", choices=("html", "md", "csv", "json"), default="md")
    p.add_argument(
        "--output",
        "-o",
        help="file to write (a directory for csv); default stdout (csv: ./logward-report/)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build, scrub, self-scan and write the report."""
    # start-up time: loaded only when this command runs
    from logward.report import build_report, parse_since, render, self_scan
    from monitor import open_store
    from scrubber import get_default_scrubber

    now = time.time()
    since = parse_since(args.since, now)
    scrubber = get_default_scrubber()
    conn = open_store(args.data_dir)
    try:
        report = build_report(conn, since, scrubber, now=now)
    finally:
        conn.close()
    rendered = render(report, args.format)
    self_scan(rendered, scrubber)
    if args.format == "csv":
        folder = Path(args.output or "logward-report")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in rendered.items():
                (folder / name).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--output {folder}: cannot write ({exc.strerror})") from None
        print(f"wrote {len(rendered)} CSV files to {folder}", file=sys.stderr)
        return 0
    (text,) = rendered.values()
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--output {args.output}: cannot write ({exc.strerror})") from None
    else:
        sys.stdout.write(text)
    return 0 if report.chain.get("ok") else 1
