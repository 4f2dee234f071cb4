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

# Top-level command -> the module that registers it; module order is the order
# shown by ``logward --help``. ``main`` builds only the named command's module's
# parser (start-up time: the other modules and their parsers cost ``logward
# scrub`` ~20 ms of CPU on every run); tests/logward/commands/test_cli_parser.py
# checks this table against what each module registers.
_COMMAND_OF = {
    "scrub": "logward.commands.scrub",
    "monitor": "logward.commands.monitor",
    "audit": "logward.commands.audit",
    "accounts": "logward.commands.accounts",
    "stream": "logward.commands.stream",
    "quarantine": "logward.commands.stream",
    "es": "logward.commands.stream",
    "dashboard": "logward.commands.dashboard",
    "demo": "logward.commands.demo",
    "report": "logward.commands.report",
    "scan": "logward.commands.scan",
    "store": "logward.commands.store",
    "keys": "logward.commands.keys",
    "erase": "logward.commands.erase",
}
_COMMAND_MODULES = tuple(dict.fromkeys(_COMMAND_OF.values()))


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand registered."""
    return _build_parser(_COMMAND_MODULES)


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    """The names of the top-level commands registered on ``parser``, in order."""
    return [
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    ]


def _build_parser(modules: Sequence[str]) -> argparse.ArgumentParser:
    """The top-level parser with the subcommands of ``modules`` registered."""
    parser = argparse.ArgumentParser(
        prog="logward",
        description="Scrub PII from logs before persistence; monitor access logs for attacks.",
    )
    parser.add_argument("--version", action="version", version=f"logward {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
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
    argv = sys.argv[1:] if argv is None else list(argv)
    # Start-up time: a command line naming a command builds only its module's
    # parser. That parser parses the command's arguments exactly as the full one
    # does, and the top-level usage line names no commands (metavar COMMAND).
    module = _COMMAND_OF.get(argv[0]) if argv else None
    parser = _build_parser((module,)) if module is not None else None
    if parser is None or argv[0] not in _commands(parser):
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
        full = parser if module is None else build_parser()
        full.print_help(sys.stderr)  # the full help, listing every command
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
