"""``logward stream``, ``logward quarantine inspect|replay`` and ``logward es setup``."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from typing import Any

from logward.stream import add_arguments
from logward_base.errors import ConfigError, LogwardError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``stream``, ``quarantine`` and ``es`` subcommands."""
    stream = subparsers.add_parser(
        "stream",
        help="Kafka sidecar: consume raw logs, write scrubbed ones to Kafka/Elasticsearch",
        description="Settings come from flags, then $LOGWARD_* variables, then --config.",
    )
    add_arguments(stream)
    stream.set_defaults(func=_run_stream)

    quarantine = subparsers.add_parser("quarantine", help="inspect or replay sealed records")
    qsub = quarantine.add_subparsers(dest="quarantine_command", metavar="ACTION", required=True)
    for name, func, helptext in (
        ("inspect", _inspect, "counts and metadata (payload only with --reveal --reason)"),
        ("replay", _replay, "re-scrub with the current rules and send clean records on"),
    ):
        p = qsub.add_parser(name, help=helptext)
        add_arguments(p)
        p.add_argument("--timeout", type=float, default=10.0, help="seconds to read the topic")
        if name == "inspect":
            p.add_argument("--reveal", action="store_true", help="print payloads (audited)")
            p.add_argument("--reason", help="why the payloads are revealed (required)")
        else:
            p.add_argument("--error-class", help="replay only records of this error class")
        p.set_defaults(func=func)

    es = subparsers.add_parser("es", help="Elasticsearch administration")
    esub = es.add_subparsers(dest="es_command", metavar="ACTION", required=True)
    setup = esub.add_parser("setup", help="ILM policy (12 months), ECS template, data stream")
    setup.add_argument("--es-url", required=True)
    setup.add_argument("--es-index", default="logs-logward")
    setup.add_argument("--es-username")
    setup.add_argument("--es-api-key", help="or $LOGWARD_ES_API_KEY")
    setup.add_argument("--es-ca-certs")
    setup.set_defaults(func=_es_setup)


def _run_stream(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    import logging

    from logward.stream import build_scrubber, load_config, run_stream, setup_logging

    cfg = load_config(args)
    engine = build_scrubber(cfg.rules, ner=cfg.ner, ner_model=cfg.ner_model)
    setup_logging(engine, cfg.log_level)
    try:
        return run_stream(cfg, engine)
    except LogwardError:
        raise
    except Exception:
        # never let Python print a raw traceback: it goes through the scrubbing formatter
        logging.getLogger("logward.stream").exception("logward stream failed")
        return 1


def _admin_config(args: argparse.Namespace) -> Any:
    # start-up time: loaded only when this command runs
    from logward.stream import load_config

    values = dict(vars(args))
    # quarantine commands need no output: fill a placeholder so validation passes
    if not (values.get("output_topic") or values.get("es_url") or os.environ.get("LOGWARD_ES_URL")):
        values["output_topic"] = "-"
    # nor an input topic: they read only the quarantine topic
    if not (values.get("input_topic") or os.environ.get("LOGWARD_INPUT_TOPIC")):
        values["input_topic"] = ["-"]
    values["exactly_once"] = False
    return load_config(values)


def _inspect(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from logward.stream import (
        client_settings,
        current_actor,
        inspect_quarantine,
        iter_quarantine,
        load_sealer,
    )

    if args.reveal and not (args.reason and args.reason.strip()):
        raise ConfigError("--reveal needs --reason TEXT (it is written to the audit log)")
    cfg = _admin_config(args)
    sealer = load_sealer(cfg)
    entries = list(iter_quarantine(client_settings(cfg), cfg.quarantine_topic, args.timeout))
    audit = None
    if args.reveal:

        def audit(reason: str, detail: dict[str, Any]) -> None:
            # start-up time: loaded only when this command runs
            from logward.stream import build_scrubber
            from monitor import AuditLog, open_store

            engine = build_scrubber(cfg.rules)
            conn = open_store(cfg.data_dir)
            try:
                AuditLog(conn).append(
                    current_actor(),
                    "quarantine_reveal",
                    cfg.quarantine_topic,
                    {**detail, "reason": engine.scrub_text(reason)},
                )
            finally:
                conn.close()

    bad = inspect_quarantine(
        entries, sealer, reveal_reason=args.reason if args.reveal else None, audit=audit
    )
    return 1 if bad else 0


def _replay(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from logward.stream import (
        Deliverer,
        Metrics,
        SinkContext,
        build_scrubber,
        build_sinks,
        client_settings,
        iter_quarantine,
        load_sealer,
        make_producer,
        max_request_bytes,
        replay_quarantine,
    )

    cfg = _admin_config(args)
    sealer = load_sealer(cfg)
    engine = build_scrubber(cfg.rules, ner=cfg.ner, ner_model=cfg.ner_model)
    entries = list(iter_quarantine(client_settings(cfg), cfg.quarantine_topic, args.timeout))
    producer = make_producer(cfg)
    output = None if cfg.output_topic == "-" else cfg.output_topic
    # as before: replayed records are sent at-least-once (no consumer offsets to commit)
    sink_cfg = replace(cfg, output_topic=output, exactly_once=False)
    deliverer = Deliverer(
        producer,
        cfg.quarantine_topic,
        sealer,
        build_sinks(sink_cfg, SinkContext(producer, max_request_bytes(cfg))),
        exactly_once=False,
        metrics=Metrics(),
        scrubber=engine,
        max_message_bytes=max_request_bytes(cfg),
    )

    def deliver(clean: list[Any]) -> None:
        deliverer.deliver(clean)

    try:
        report = replay_quarantine(
            entries,
            sealer,
            engine,
            deliver,
            error_class=args.error_class,
            max_record_bytes=cfg.max_record_bytes,
        )
    finally:
        producer.close()
    print(
        f"replayed {report.total}: {report.sent} sent clean, "
        f"{report.still_failing} still failing, {report.unopened} did not open"
    )
    return 1 if report.unopened else 0


def _es_setup(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from logward.stream import make_client, setup_elasticsearch

    client = make_client(
        args.es_url,
        api_key=args.es_api_key or os.environ.get("LOGWARD_ES_API_KEY"),
        username=args.es_username,
        password=os.environ.get("LOGWARD_ES_PASSWORD"),
        ca_certs=args.es_ca_certs,
    )
    try:
        done = setup_elasticsearch(client, args.es_index)
    finally:
        client.close()
    return 0 if (done["data_stream"] or done["plain_index"]) else 1
