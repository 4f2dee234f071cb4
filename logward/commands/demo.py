"""``logward demo``: everything, embedded, one command."""

from __future__ import annotations

import argparse
import sys
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
    kafka = p.add_argument_group(
        "producer mode",
        "with --kafka-bootstrap the demo only publishes: raw application logs (with PII,"
        " for the stream sidecar to scrub) and access events (for the monitor)",
    )
    kafka.add_argument("--kafka-bootstrap", metavar="HOST:PORT", help="publish to this Kafka")
    kafka.add_argument("--raw-topic", default="logs.raw", help="raw application log topic")
    kafka.add_argument("--access-topic", default="access.logs", help="access event topic")
    kafka.add_argument(
        "--speedup", type=float, default=60.0, help="how much faster the scripted hour plays"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print its summary (or publish to Kafka in producer mode)."""
    # start-up time: loaded only when this command runs
    from logward.demo import DemoOptions, run_demo

    if args.kafka_bootstrap:
        return _produce(args)
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


def _produce(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    import signal

    from logward.demo import ProduceOptions, produce

    stopped = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.append(True))
    sent = produce(
        ProduceOptions(
            bootstrap=args.kafka_bootstrap,
            raw_topic=args.raw_topic,
            access_topic=args.access_topic,
            duration=args.duration,
            speedup=args.speedup,
        ),
        stop=lambda: bool(stopped),
    )
    for topic, count in sent.items():
        print(f"published {count} records to {topic}", file=sys.stderr)
    return 0
