"""``logward scan``: find PII that got through, in files, Elasticsearch or Kafka."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from logward_base.errors import ConfigError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``scan`` subcommand."""
    p = subparsers.add_parser(
        "scan",
        help="find PII in data already persisted (counts and locations only)",
        description=(
            "Run the full detector set (NER included unless --no-ner) over stored data "
            "and report what it finds by location and entity type. Values are never "
            "printed. Exit status 1 when anything is found, 0 when clean."
        ),
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="log files to scan")
    p.add_argument("--es", metavar="URL", help="Elasticsearch URL to scan")
    p.add_argument("--index", metavar="PATTERN", help="index pattern, with --es")
    p.add_argument("--es-username", help="user for --es (password: $LOGWARD_ES_PASSWORD)")
    p.add_argument("--kafka", metavar="HOST:PORT", help="Kafka bootstrap servers to scan")
    p.add_argument("--topic", help="topic, with --kafka")
    p.add_argument("--rules", metavar="DIR", help="rules directory (default: shipped)")
    p.add_argument("--no-ner", action="store_true", help="pattern tier only (faster)")
    p.add_argument("--ner-model", help="spaCy model package name or path")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--max-locations", type=int, default=50, help="locations listed (text)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Scan the chosen source; print the report; 1 if PII was found."""
    # start-up time: loaded only when this command runs
    from logward.scan import es_items, file_items, kafka_items, scan_items
    from scrubber import load_scrubber

    chosen = [bool(args.files), bool(args.es), bool(args.kafka)]
    if sum(chosen) != 1:
        raise ConfigError("scan: give FILE..., or --es URL --index PATTERN, or --kafka --topic")
    if args.es and not args.index:
        raise ConfigError("scan: --es needs --index PATTERN")
    if args.kafka and not args.topic:
        raise ConfigError("scan: --kafka needs --topic")
    for name in args.files or ():
        if not Path(name).is_file():
            raise ConfigError(f"{name}: no such file")
    scrubber = load_scrubber(args.rules, ner=not args.no_ner, ner_model=args.ner_model)
    if args.files:
        items = file_items(args.files)
    elif args.es:
        auth = None
        if args.es_username:
            auth = (args.es_username, os.environ.get("LOGWARD_ES_PASSWORD", ""))
        items = es_items(
            args.es, args.index, api_key=os.environ.get("LOGWARD_ES_API_KEY"), basic_auth=auth
        )
    else:
        items = kafka_items(args.kafka, args.topic)
    report = scan_items(scrubber, items, max_locations=max(args.max_locations, 0))
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_text(report, args.max_locations)
    return 0 if report.clean else 1


def _print_text(report: Any, limit: int) -> None:
    out = sys.stdout
    verdict = "clean" if report.clean else "PII FOUND"
    out.write(f"scanned {report.items} items: {report.items_with_pii} with PII ({verdict})\n")
    for entity, count in sorted(report.by_entity.items()):
        out.write(f"  {entity}: {count}\n")
    for n, (location, entities) in enumerate(report.locations.items()):
        if n >= limit:
            out.write(f"  ... {len(report.locations) - limit} more locations (use --json)\n")
            break
        listed = ", ".join(f"{e}={c}" for e, c in sorted(entities.items()))
        out.write(f"{location}: {listed}\n")
