"""Accuracy of ``logward scrub`` (pattern tier, ``--ner``) next to presidio and scrubadub.

On the labelled corpus (:mod:`bench.corpus`), per entity type: the share of
labelled values fully removed (the value, nor its URL-encoded forms, no longer
appears in the output; for
phone, card, IBAN and SSN its digits must not appear in the output's digits
either, so a partial mask counts as a leak), and the share of non-PII tokens
kept. For names and addresses a stricter figure is printed too: no word of the
value (3+ letters) is left in the output.

``python -m bench scrub_accuracy`` or ``python -m bench.bench_scrub_accuracy
[--quick] [--lines N] [--only NAME ...]``. Writes ``bench/results/scrub_accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from bench import _baselines as B
from bench.corpus import Line, generate

RESULTS = Path(__file__).parent / "results" / "scrub_accuracy.json"
PATTERN = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN")
NER = ("PERSON", "STREET_ADDRESS")
DIGITS = {"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN"}
TARGETS = {"pattern": 0.99, "ner": 0.85, "kept": 0.95}
BASELINE_NOTE = (
    "issue 2 baselines: presidio 89% pattern / 56% names+addresses / 71% kept; "
    "scrubadub 66% pattern / 5% names+addresses"
)
_WORD = re.compile(r"[^\W\d_]{3,}")
_NOT_IDENTIFYING = frozenset(
    {"Apt", "Suite", "Flat", "Studio", "Unit", "Street", "Road", "Avenue", "Lane", "Drive"}
)


def _flatten(output: str, shape: str) -> str:
    """Text of a JSON output line's keys and values (unescaped), else the line itself."""
    if shape != "json":
        return output
    try:
        data = json.loads(output)
    except ValueError:
        return output
    parts: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                parts.append(str(k))
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        else:
            parts.append(str(v))

    walk(data)
    return " \u241f ".join(parts)


def removed(value: str, entity: str, text: str) -> bool:
    """Say whether ``value`` is fully gone from the output ``text``."""
    if any(form in text for form in (value, quote_plus(value), quote(value))):
        return False
    if entity in DIGITS:
        digits = re.sub(r"\D", "", value)
        return len(digits) < 4 or digits not in re.sub(r"\D", "", text)
    return True


def strictly_removed(value: str, text: str) -> bool:
    """Say whether no identifying word (3+ letters) of ``value`` is left in ``text``."""
    words = {w for w in _WORD.findall(value) if w not in _NOT_IDENTIFYING}
    return all(not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in words)


def score(lines: list[Line], outputs: list[str]) -> dict[str, Any]:
    """Compute per-entity removal and token retention for one scrubber's outputs."""
    total: Counter[str] = Counter()
    gone: Counter[str] = Counter()
    strict: Counter[str] = Counter()
    kept = keep_total = 0
    for line, out in zip(lines, outputs, strict=True):
        text = _flatten(out, line.shape)
        for label in line.labels:
            total[label.entity] += 1
            gone[label.entity] += removed(label.value, label.entity, text)
            if label.entity in NER:
                strict[label.entity] += strictly_removed(label.value, text)
        for token in line.keep:
            keep_total += 1
            kept += token in text
    per = {e: gone[e] / total[e] for e in sorted(total)}
    groups = {
        "pattern": sum(gone[e] for e in PATTERN) / max(1, sum(total[e] for e in PATTERN)),
        "ner": sum(gone[e] for e in NER) / max(1, sum(total[e] for e in NER)),
        "ner_strict": sum(strict[e] for e in NER) / max(1, sum(total[e] for e in NER)),
        "kept": kept / max(1, keep_total),
    }
    return {"per_entity": per, "groups": groups, "counts": dict(total), "kept_tokens": keep_total}


def _scrubbers(only: list[str] | None) -> dict[str, B.Scrub]:
    makers: dict[str, Any] = {}
    if B.cli_available():
        makers["logward"] = lambda: B.logward_cli()
        makers["logward --ner"] = lambda: B.logward_cli("--ner")
    else:
        print("note: `logward scrub` is not in this tree yet; CLI rows skipped", flush=True)
    makers["ner tier only"] = B.ner_tier
    makers["presidio"] = B.presidio_analyzer
    makers["scrubadub"] = B.scrubadub_clean
    return {k: v() for k, v in makers.items() if not only or k in only}


def _table(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    entities = sorted({e for r in results.values() for e in r["per_entity"]})
    rows = [("", *names)]
    rows += [(e, *(f"{results[n]['per_entity'].get(e, 0):.1%}" for n in names)) for e in entities]
    for group, label in (
        ("pattern", "pattern entities removed (target >= 99%)"),
        ("ner", "names+addresses removed (target >= 85%)"),
        ("ner_strict", "names+addresses, no word left"),
        ("kept", "non-PII tokens kept (target >= 95%)"),
    ):
        rows.append((label, *(f"{results[n]['groups'][group]:.1%}" for n in names)))
    rows.append(("seconds", *(f"{results[n]['seconds']:.1f}" for n in names)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_scrub_accuracy", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="600 lines, for smoke runs")
    parser.add_argument("--lines", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--only", nargs="*", help="scrubber names to run")
    args = parser.parse_args(argv)
    lines = generate(600 if args.quick else args.lines, args.seed)
    texts = [line.text for line in lines]
    results: dict[str, dict[str, Any]] = {}
    for name, scrub in _scrubbers(args.only).items():
        start = time.perf_counter()
        outputs = scrub(texts)
        results[name] = score(lines, outputs) | {"seconds": time.perf_counter() - start}
        print(f"{name}: done in {results[name]['seconds']:.1f}s", flush=True)
    print(f"corpus: {len(lines)} lines, seed {args.seed}")
    print(_table(results))
    print(BASELINE_NOTE)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {"lines": len(lines), "seed": args.seed, "targets": TARGETS, "results": results}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
