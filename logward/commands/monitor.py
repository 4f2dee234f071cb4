"""``logward monitor parse|replay|run|baseline``: the access monitor's command line.

* ``parse``: one ECS JSON object per recognised line.
* ``replay``: files in event time through the rules; one JSON object per alert
  (with its ``actions``). Without ``--data-dir`` the state is a fresh in-memory
  store (repeatable: the same files always give the same alerts); with
  ``--data-dir`` windows, alerts and actions persist there like ``run``, and a
  later replay resumes per source (file, else host): a source's events up to
  its stored line and time are skipped as already seen (replaying a file twice
  adds nothing; the rest of a log continues any attack in progress), and
  another host's log is read as long as it lags the newest event by at most
  ``--lateness`` (default 1d). Skipped events are reported in the stats.
* ``run``: live, from followed files or a Kafka consumer group; state,
  events and per-minute rates persist under ``--data-dir``; SIGTERM/SIGINT stop
  it cleanly after a checkpoint.
* ``baseline``: fit per-key rate baselines from historical files (pandas).

Scale-out (``run --kafka-bootstrap ... --key-field F``): produce log lines keyed
by the value of ``F`` (e.g. the source address), so Kafka's partitioner sends
every line of one key to one partition, hence to one group member, which holds
that key's windows. Per-IP and per-account rules need different keys, so run
one consumer group (and keyed topic) per key family: ``--key-field source.ip``
instances evaluate only rules grouped by ``source.ip``, ``--key-field
user.name`` instances only the per-account ones. Without ``--key-field`` an
instance evaluates every rule (single instance, or a single partition).
Windows are handed over on a rebalance (``monitor.PartitionedWindows``): with
``--key-field`` each partition has its own engine, whose windows are stored
with the partition's next offset in one store transaction; the new owner
restores them and seeks to that offset before it processes the partition's
records. Without ``--key-field`` one engine holds every key, its windows are
stored with every owned partition's offset (a restarted instance resumes
exactly), and the group should have one active member.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from logward.commands.store import add_retention_args, retention_scheduler
from logward_base.errors import ConfigError

if TYPE_CHECKING:
    from types import FrameType

__all__ = ["register"]

_KEY_FIELDS = ("source.ip", "user.name", "user.id")


def register(subparsers: Any) -> None:
    """Add ``monitor`` and its subcommands to the top-level parser."""
    top = subparsers.add_parser("monitor", help="parse access logs and detect attacks")
    sub = top.add_subparsers(dest="monitor_command", metavar="SUBCOMMAND", required=True)

    def common(p: argparse.ArgumentParser, *, rules: bool = True) -> None:
        p.add_argument("--format", required=True, help="json|combined|sshd|nginx-error|...")
        p.add_argument("--data-dir", default=None, help="embedded state (default ./logward-data)")
        p.add_argument("--login-path", action="append", default=None, help="login URL path")
        p.add_argument("--failure-status", action="append", type=int, default=None)
        p.add_argument("--field-map", action="append", default=None, metavar="SRC=ECS")
        p.add_argument("--year", default=None, help="year rule: reference|mtime|YYYY")
        p.add_argument("--tz", default=None, help="zone of timestamps without offset")
        p.add_argument("--mode", default=None, help="failure forms, as fail2ban's filter mode")
        if rules:
            p.add_argument("--rules", default=None, help="rules directory (default: shipped)")
            p.add_argument(
                "--key-field",
                choices=_KEY_FIELDS,
                default=None,
                help="scale-out: evaluate only rules grouped by this field; run one consumer"
                " group per key family on records keyed (partitioned) by this field",
            )

    parse = sub.add_parser("parse", help="print parsed events as ECS JSON lines")
    common(parse, rules=False)
    parse.add_argument("files", nargs="+", metavar="FILE")
    parse.set_defaults(func=_cmd_parse)

    replay = sub.add_parser("replay", help="replay files through the rules in event time")
    common(replay)
    replay.add_argument("--dry-run", action="store_true", help="simulate every action")
    replay.add_argument(
        "--lateness",
        default="1d",
        help="how far (e.g. 1h, 1d) an event may lag the newest one and still count",
    )
    replay.add_argument("files", nargs="+", metavar="FILE")
    replay.set_defaults(func=_cmd_replay)

    run = sub.add_parser("run", help="monitor live: follow files or consume Kafka")
    common(run)
    run.add_argument("--dry-run", action="store_true", help="simulate every action")
    run.add_argument("--follow", nargs="+", metavar="FILE", default=None)
    run.add_argument("--from-start", action="store_true", help="read followed files from the top")
    run.add_argument("--kafka-bootstrap", metavar="HOST:PORT", default=None)
    run.add_argument("--topic", default=None)
    run.add_argument("--group-id", default=None)
    run.add_argument("--session-timeout-ms", type=int, default=10000)
    run.add_argument("--heartbeat-interval-ms", type=int, default=3000)
    run.add_argument("--max-poll-interval-ms", type=int, default=300000)
    run.add_argument("--checkpoint-seconds", type=float, default=1.0)
    add_retention_args(run)  # issue 12: daily pruning
    run.set_defaults(func=_cmd_run)

    base = sub.add_parser("baseline", help="fit rate baselines from historical files")
    common(base)
    base.add_argument("files", nargs="+", metavar="FILE")
    base.set_defaults(func=_cmd_baseline)


_EXPIRY_EVERY_S = 30.0


def _cmd_parse(args: argparse.Namespace) -> int:
    from logward.commands import _monitor_stages as stages  # start-up time: loaded on use

    parser = stages.parser(args)
    # start-up time: loaded only when this command runs
    from monitor import replay_file

    for f in args.files:
        if not Path(f).is_file():
            raise ConfigError(f"{f}: no such file")
    out = sys.stdout
    for f in args.files:
        for ev in stages.parsed(parser, replay_file(f)):
            out.write(json.dumps(ev.to_ecs(), separators=(",", ":")) + "\n")
    stages.report_stats(parser)
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from logward.commands import _monitor_stages as stages
    from monitor import Pipeline, open_store

    scrub = stages.scrub()
    parser = stages.parser(args, scrub)
    # start-up time: loaded only when this command runs
    from monitor.store import resolve_url

    persistent = args.data_dir is not None or resolve_url(getattr(args, "store", None)) is not None
    engine, root = stages.engine(args, track=persistent)
    conn = open_store(args.data_dir) if persistent else stages.memory_store()
    respond, _expire = stages.responder(root, conn, lambda: engine.watermark, args.dry_run, scrub)
    pipeline = Pipeline(
        engine,
        respond=respond,
        sink=stages.emit,
        conn=conn if persistent else None,
        record_events=persistent,
        checkpoint_every=5.0,
        skip_seen=True,
        lateness=stages.lateness(args.lateness),
    )
    pipeline.restore()
    try:
        pipeline.run(stages.file_events(parser, args.files))
    finally:
        sys.stdout.flush()
        conn.close()
    stages.report_stats(parser)
    if pipeline.progress is not None:
        stats = {"alerts": pipeline.alerts, **pipeline.progress.stats()}
        print(f"logward: replay stats {json.dumps(stats)}", file=sys.stderr)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    import signal
    import socket

    from logward.commands import _monitor_stages as stages
    from monitor import FollowSource, KafkaSource, Pipeline, StateStore, open_store

    kafka = (args.kafka_bootstrap, args.topic, args.group_id)
    if bool(args.follow) == any(kafka):
        raise ConfigError("give either --follow FILE... or --kafka-bootstrap/--topic/--group-id")
    if args.follow is None and not all(kafka):
        raise ConfigError("Kafka input needs --kafka-bootstrap, --topic and --group-id")
    scrub = stages.scrub()
    parser = stages.parser(args, scrub)
    engine, root = stages.engine(args, track=True)
    conn = open_store(args.data_dir)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    source: FollowSource | KafkaSource
    windows: Any = None
    pipe: list[Any] = []
    if args.follow:
        saved = FollowSource.load_positions(StateStore(conn).get_meta, args.follow)
        source = FollowSource(args.follow, stop, from_start=args.from_start, positions=saved)
        source.start()  # positions fixed before "monitoring" is announced
        meta, after = source.positions, None
    else:
        # Window state per partition, moved with it on a rebalance (monitor.PartitionedWindows).
        from monitor import GroupWindows, PartitionedWindows, PartitionStore

        owner = f"{socket.gethostname()}:{os.getpid()}"
        store = PartitionStore(conn, args.group_id, args.topic, owner)
        source = KafkaSource(
            args.kafka_bootstrap,
            args.topic,
            args.group_id,
            stop,
            session_timeout_ms=args.session_timeout_ms,
            heartbeat_interval_ms=args.heartbeat_interval_ms,
            max_poll_interval_ms=args.max_poll_interval_ms,
            on_assign=lambda parts: print(
                f"logward: assigned partitions {parts}", file=sys.stderr, flush=True
            ),
            on_revoke=lambda parts: windows.revoke(parts, lambda: pipe[0].checkpoint(after=False)),
            restore=lambda parts: windows.assign(parts),
        )
        if args.key_field:  # records keyed by it: one engine per partition
            windows = PartitionedWindows(
                store, lambda: stages.engine(args, track=True)[0], args.topic, source.positions
            )
            engine = windows
        else:  # keys may span partitions: one engine, its windows stored with every offset
            bound = StateStore(conn).bind(engine)
            windows = GroupWindows(store, bound, engine, source.positions)
        meta, after = None, source.commit

    def sink(doc: dict[str, Any]) -> None:
        stages.emit(doc)
        sys.stdout.flush()

    respond, expire = stages.responder(root, conn, time.time, args.dry_run, scrub)
    next_expiry = [0.0]
    retention = retention_scheduler(args, conn)

    def after_checkpoint() -> None:
        retention.maybe_prune()
        # Temporary revocations and deny-list entries lapse even when no alert arrives.
        if expire is not None and time.monotonic() >= next_expiry[0]:
            next_expiry[0] = time.monotonic() + _EXPIRY_EVERY_S
            expire()
        if after is not None:
            after()

    pipeline = Pipeline(
        engine,
        respond=respond,
        sink=sink,
        conn=conn,
        record_events=True,
        checkpoint_every=args.checkpoint_seconds,
        meta=meta,
        after_checkpoint=after_checkpoint,
        windows=windows if not args.follow else None,
    )
    pipe.append(pipeline)
    pipeline.restore()
    print(f"logward: monitoring ({len(engine.evaluators)} rules)", file=sys.stderr, flush=True)
    try:
        pipeline.run(stages.parsed(parser, source), stop)
    finally:
        conn.close()
    stages.report_stats(parser)
    return 0


def _cmd_baseline(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from logward.commands import _monitor_stages as stages
    from monitor import StateStore, fit_baselines, open_store

    parser = stages.parser(args)
    engine, _root = stages.engine(args, track=False)
    fitted = fit_baselines(engine.rules, stages.file_events(parser, args.files))
    conn = open_store(args.data_dir)
    try:
        store = StateStore(conn)
        for fit in fitted:
            store.put_rows(fit.rule, fit.rows, time.time())
            stages.emit(
                {
                    "rule": fit.rule,
                    "keys": len(fit.rows),
                    "events": fit.events,
                    "buckets": fit.buckets,
                }
            )
    finally:
        conn.close()
    return 0
