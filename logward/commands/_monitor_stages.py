"""The monitor's stages built from ``logward monitor`` arguments.

Scrubber, parser, file sources, detection engine, in-memory store, responder
and the JSON-lines sink: each subcommand of :mod:`logward.commands.monitor`
assembles its pipeline from these. The ``monitor`` library is imported inside
the functions, so ``logward --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from logward_base import parse_duration
from logward_base.errors import ConfigError, LogwardError
from logward_base.paths import rules_dir

__all__ = [
    "emit",
    "engine",
    "file_events",
    "lateness",
    "memory_store",
    "parsed",
    "parser",
    "report_stats",
    "responder",
    "scrub",
]


def scrub() -> Callable[[str], str]:
    """The scrubbing core's ``scrub_text``; fail closed if it cannot be built."""
    try:
        # start-up time: loaded only when this command runs
        from scrubber import get_default_scrubber

        return get_default_scrubber().scrub_text
    except (ImportError, LogwardError) as exc:
        print(
            f"logward: warning: scrubber unavailable ({exc.__class__.__name__});"
            " free text is dropped",
            file=sys.stderr,
        )
        return lambda _text: "<REDACTED>"


def parser(args: argparse.Namespace, scrub_text: Callable[[str], str] | None = None) -> Any:
    """The ``--format`` parser with the options the arguments give."""
    # start-up time: loaded only when this command runs
    from monitor.parsers import get_parser

    options: dict[str, Any] = {"scrub": scrub_text or scrub()}
    if args.login_path:
        options["login_paths"] = args.login_path
    if args.failure_status:
        options["failure_statuses"] = args.failure_status
    if args.field_map:
        pairs = [item.partition("=") for item in args.field_map]
        if any(not sep or not src or not dst for src, sep, dst in pairs):
            raise ConfigError("--field-map: expected SRC=ECS_FIELD")
        options["field_map"] = {src: dst for src, _, dst in pairs}
    if args.year:
        options["year_rule"] = int(args.year) if args.year.isdigit() else args.year
    if args.tz:
        options["tz"] = args.tz
    if getattr(args, "mode", None):
        options["mode"] = args.mode
    try:
        return get_parser(args.format, **options)
    except KeyError:
        raise ConfigError(f"--format: unknown format {args.format!r}") from None


def parsed(parser: Any, records: Iterable[tuple[str, int, str] | None]) -> Iterator[Any]:
    """Events parsed from ``(line, line_no, file)`` records; idle ticks (``None``) pass."""
    parse = parser.parse
    for rec in records:
        if rec is None:
            yield None
            continue
        ev = parse(rec[0], rec[1], rec[2])
        if ev is not None:
            yield ev


def file_events(parser: Any, files: list[str]) -> Iterator[Any]:
    """The events of ``files``, merged in event time."""
    # start-up time: loaded only when this command runs
    from monitor import merge_by_time, replay_file

    for f in files:
        if not Path(f).is_file():
            raise ConfigError(f"{f}: no such file")
    return merge_by_time(parsed(parser, replay_file(f)) for f in files)


def engine(args: argparse.Namespace, *, track: bool) -> Any:
    """The detection engine over ``--rules`` (default: shipped) and that directory."""
    # start-up time: loaded only when this command runs
    from monitor import DetectionEngine, load_rules

    root = Path(args.rules) if args.rules else rules_dir()
    return DetectionEngine(load_rules(root), key_field=args.key_field, track_dirty=track), root


def memory_store() -> sqlite3.Connection:
    """A fresh in-memory store (repeatable replays)."""
    # start-up time: loaded only when this command runs
    from monitor import SCHEMA

    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.executescript(SCHEMA)
    return conn


def responder(
    root: Path,
    conn: sqlite3.Connection,
    clock: Callable[[], float],
    dry_run: bool,
    scrub_text: Callable[[str], str],
) -> tuple[Callable[[Any], list[dict[str, Any]]], Callable[[], object] | None]:
    """The response stage and its periodic expiry of temporary revocations/deny entries.

    Without a ``responses.yaml``, alerts are recorded and audited only.
    """
    # start-up time: loaded only when this command runs
    from monitor import Responder, record_alert

    responses = root / "responses.yaml"
    if not responses.is_file() and (root.parent / "responses.yaml").is_file():
        responses = root.parent / "responses.yaml"
    if responses.is_file():
        configured = Responder.from_config(
            responses, conn, clock=clock, dry_run=dry_run, scrub=scrub_text
        )

        def respond(alert: Any) -> list[dict[str, Any]]:
            return [r.to_json() for r in configured.respond(alert)]

        return respond, configured.expire_due

    print("logward: warning: no responder configured; alerts are recorded only", file=sys.stderr)
    return (lambda alert: record_alert(conn, alert, clock(), dry_run)), None


def emit(doc: dict[str, Any]) -> None:
    """Write ``doc`` as one compact JSON line on stdout."""
    sys.stdout.write(json.dumps(doc, separators=(",", ":")) + "\n")


def report_stats(parser: Any) -> None:
    """Print the parser's counters on stderr."""
    stats = getattr(parser, "stats", None)
    as_dict = getattr(stats, "as_dict", None)
    if callable(as_dict):
        print(f"logward: parse stats {json.dumps(as_dict())}", file=sys.stderr)


def lateness(text: str) -> float:
    """``--lateness`` in seconds.

    Raises:
        ConfigError: the duration is malformed.
    """
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ConfigError(f"--lateness: {exc}") from None
