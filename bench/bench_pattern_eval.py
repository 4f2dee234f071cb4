"""Held-out pattern-PII evaluation: logward next to presidio-analyzer, same lines, same run.

The corpus (:mod:`bench.eval_pattern`) is generated from libphonenumber's
metadata and Faker, independently of the detectors, and split by region, locale
or value hash. Detectors are tuned on ``dev``; this reports ``test`` (``--split
dev`` for tuning). Scored with the independent evaluation's scorer
(:mod:`bench._pii_score`): per entity, the share of values whose distinctive
tokens are all gone (Wilson 95% interval), examples of surviving tokens, and the
share of non-PII tokens kept.

Rows: ``logward scrub`` (pattern tier, subprocess), the logging path with
defaults (``scrubber.install()`` on a root handler, in process), and presidio
(``BatchAnalyzerEngine``, offline, spaCy sm).

``python -m bench pattern_eval`` or ``python -m bench.bench_pattern_eval [--split
dev|test] [--only NAME ...]``. Writes ``bench/results/pattern_eval.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import _baselines as B
from bench._pii_score import score
from bench.eval_pattern import generate

RESULTS = Path(__file__).parent / "results" / "pattern_eval.json"
TARGET = 0.99


def logging_path(texts: Sequence[str]) -> list[str]:
    """Emit each text through a root handler with ``scrubber.install()`` defaults."""
    import scrubber

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    try:
        scrubber.install()
        log = logging.getLogger("bench.pattern_eval")
        for text in texts:
            log.info("%s", text)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    out = stream.getvalue().split("\n")
    return out[: len(texts)]


def _runners(only: list[str] | None) -> dict[str, Any]:
    makers: dict[str, Any] = {
        "logward": lambda: B.logward_cli(),
        "logging install()": lambda: logging_path,
        "presidio": B.presidio_analyzer,
    }
    return {k: v for k, v in makers.items() if not only or k in only}


def _all_pattern(result: dict[str, Any]) -> tuple[int, int]:
    removed = result["removed"]
    n = sum(v["n"] for v in removed.values())
    k = sum(round(v["rate"] * v["n"]) for v in removed.values())
    return k, n


def _table(results: dict[str, dict[str, Any]]) -> str:
    from bench._pii_score import wilson

    names = list(results)
    entities = sorted({e for r in results.values() for e in r["removed"]})
    rows = [("fully removed", *names)]
    for e in entities:
        cells = []
        for n in names:
            v = results[n]["removed"].get(e)
            cells.append(
                "-"
                if v is None
                else f"{v['rate']:.3f} [{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}] n={v['n']}"
            )
        rows.append((e, *cells))
    cells = []
    for n in names:
        k, total = _all_pattern(results[n])
        lo, hi = wilson(k, total)
        cells.append(f"{k / max(1, total):.3f} [{lo:.3f}, {hi:.3f}] n={total}")
    rows.append((f"all pattern (target >= {TARGET})", *cells))
    rows.append(
        ("non-PII tokens kept (>= 0.95)", *(f"{results[n]['retention']:.3f}" for n in names))
    )
    rows.append(("seconds", *(f"{results[n]['seconds']:.1f}" for n in names)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_pattern_eval", description=__doc__)
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--only", nargs="*", help="runner names")
    parser.add_argument(
        "--residue", type=int, default=3, help="surviving examples shown per entity"
    )
    args = parser.parse_args(argv)
    rows = generate(args.split)
    texts = [r["text"] for r in rows]
    results: dict[str, dict[str, Any]] = {}
    for name, make in _runners(args.only).items():
        scrub = make()
        start = time.process_time()
        outputs = scrub(texts)
        results[name] = score(rows, outputs) | {"seconds": time.process_time() - start}
        print(f"{name}: done in {results[name]['seconds']:.1f}s CPU", flush=True)
    print(
        f"split {args.split}: {len(rows)} lines (libphonenumber example numbers + Faker; generated)"
    )
    print(_table(results))
    for name, result in results.items():
        for entity, examples in result["residue_examples"].items():
            for ex in examples[: args.residue]:
                print(f"  survived [{name}] {entity}: {ex['value']!r} -> {ex['survived']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {"split": args.split, "lines": len(rows), "target": TARGET, "results": results}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
