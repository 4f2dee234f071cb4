"""``logward demo``: everything, embedded, one command."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="run the whole product on the embedded default (no external services)",
        description=(
            "Run a small application that logs PII through the scrubber, generate "
            "access traffic with attacks for the monitor, and serve the dashboard."
        ),
    )
    p.add_argument("--data-dir", help="where everything goes (default ./logward-data)")
    p.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after this many seconds (default: run until interrupted)",
    )
    p.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    p.add_argument("--host", default="127.0.0.1", help="dashboard address")
    p.add_argument("--port", type=int, default=8080, help="dashboard port")
    p.add_argument("--orders", type=int, default=60, help="fake orders the shop app logs")
    p.add_argument("--no-ner", action="store_true", help="pattern tier only in the app's logs")
    p.add_argument(
        "--playback-seconds", type=float, default=12.0, help="wall time for scripted traffic"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print its summary."""
    from logward.demo import DemoOptions, run_demo

    summary = run_demo(
        DemoOptions(
            data_dir=args.data_dir,
            duration=args.duration,
            dashboard=not args.no_dashboard,
            host=args.host,
            port=args.port,
            orders=args.orders,
            ner=not args.no_ner,
            playback_seconds=args.playback_seconds,
        )
    )
    return 0 if summary.alerts else 1
