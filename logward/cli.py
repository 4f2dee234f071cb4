"""The ``logward`` command line: one entry point, subcommands in ``logward.commands``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from logward import __version__
from logward_base.errors import LogwardError

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
    "logward.commands.store",
    "logward.commands.keys",
    "logward.commands.erase",
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
    _add_store_options(parser)
    return parser


#: Options every (sub)command that takes ``--data-dir`` also gets: the store's
#: URL (issue 14) and its key file (issue 12).
_STORE_OPTIONS: dict[str, dict[str, str | None]] = {
    "--store": {
        "metavar": "URL",
        "help": "the store: postgresql://user@host:port/db, sqlite:///dir or a path "
        "(else $LOGWARD_STORE, else monitor.db under --data-dir)",
    },
    "--store-key-file": {
        "metavar": "FILE",
        "help": "AES-256 key of the encrypted store (else $LOGWARD_STORE_KEY, "
        "else store.key beside the store; created for a new store)",
    },
}


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    """Give every (sub)command that takes ``--data-dir`` the options of :data:`_STORE_OPTIONS`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _add_store_options(sub)
    if "--data-dir" not in parser._option_string_actions:
        return
    for option, spec in _STORE_OPTIONS.items():
        if option not in parser._option_string_actions:
            parser.add_argument(option, metavar=spec["metavar"], default=None, help=spec["help"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Returns:
        The process exit status: 0 success, 1 a finding or failure the command
        reports, 2 usage or configuration error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if getattr(args, "store_key_file", None):
        # An environment variable, so the subprocesses a command starts use it too.
        os.environ["LOGWARD_STORE_KEY_FILE"] = str(args.store_key_file)
    if getattr(args, "store", None):
        # As for the key file: the subprocesses a command starts (demo) use it too.
        os.environ["LOGWARD_STORE"] = str(args.store)
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
