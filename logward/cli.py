"""The ``logward`` command line: one entry point, subcommands in ``logward.commands``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from logward import __version__
from logward.errors import LogwardError

__all__ = ["build_parser", "main"]

# Order is the order shown by ``logward --help``.
_COMMAND_MODULES = (
    "logward.commands.scrub",
    "logward.commands.monitor",
    "logward.commands.audit",
    "logward.commands.accounts",
    "logward.commands.stream",
    "logward.commands.dashboard",
    "logward.commands.demo",
    "logward.commands.report",
    "logward.commands.scan",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="logward",
        description="Scrub PII from logs before persistence; monitor access logs for attacks.",
    )
    parser.add_argument("--version", action="version", version=f"logward {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Returns:
        The process exit status: 0 success, 1 a finding or failure the command
        reports, 2 usage or configuration error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args))
    except LogwardError as exc:
        # Our messages never carry scrubbed data: they name files, rules, fields.
        print(f"logward: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
