"""The pattern tier's speed with Presidio recognizers loaded, beside its speed without them.

Two Presidio regex recognizers (an employee-id pattern with a context word and a
deny-list, in Presidio's own YAML format, the file the tests use) are loaded with
``logward scrub --presidio-recognizers``; the same corpus lines (:mod:`bench.corpus`)
go through ``logward scrub`` with and without them, pinned to one core, wall time
with start-up subtracted (and reported). Also timed in process: ``Scrubber.scrub_text``
per line, and Presidio's own ``PatternRecognizer.analyze`` of the two recognizers
alone, for scale.

``python -m bench presidio`` or ``python -m bench.bench_presidio [--quick]``.
Writes ``bench/results/presidio.json``. Target: >= 20,000 lines/s with the two
recognizers loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench import _baselines as B
from bench.bench_scrub_speed import _cli
from bench.corpus import generate

RESULTS = Path(__file__).parent / "results" / "presidio.json"
RECOGNIZERS = (
    Path(__file__).parents[1] / "tests" / "detectors" / "presidio" / "recognizers" / "employee.yaml"
)
TARGET = 20_000.0


def _in_process(texts: list[str], **kwargs: Any) -> float:
    import scrubber

    engine = scrubber.load_scrubber(**kwargs)
    start = time.perf_counter()
    for text in texts:
        engine.scrub_text(text)
    return len(texts) / (time.perf_counter() - start)


def _presidio_alone(texts: list[str]) -> float:
    from detectors import PresidioSpec, load_presidio_detector

    detector = load_presidio_detector([PresidioSpec("bench", (RECOGNIZERS,))])
    recognizers = [r.recognizer for r in detector._runners]
    start = time.perf_counter()
    for text in texts:
        for r in recognizers:
            r.analyze(text, list(r.supported_entities), None)
    return len(texts) / (time.perf_counter() - start)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_presidio", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for smoke runs")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    pinned = B.pin_one_core()
    n = 3000 if args.quick else 30000
    texts = [line.text for line in generate(n, args.seed)]
    results: dict[str, Any] = {"pinned": pinned, "lines": len(texts)}
    results["logward scrub"] = _cli((), texts)
    results["logward scrub + 2 presidio recognizers"] = _cli(
        ("--presidio-recognizers", str(RECOGNIZERS)), texts
    )
    results["in process, scrub_text"] = _in_process(texts)
    results["in process, scrub_text + 2 presidio recognizers"] = _in_process(
        texts, presidio_recognizers=[RECOGNIZERS]
    )
    results["presidio PatternRecognizer.analyze, the 2 alone"] = _presidio_alone(texts)
    print(f"one core ({pinned}); {len(texts)} corpus lines, seed {args.seed}")
    for name in ("logward scrub", "logward scrub + 2 presidio recognizers"):
        r = results[name]
        print(
            f"{name:<52} {r['lines_per_s']:>9,.0f} lines/s ({r['startup_seconds']:.2f}s start-up "
            f"subtracted; {r['lines_per_s_with_startup']:,.0f} with it)  target >= {TARGET:,.0f}"
        )
    for name in (
        "in process, scrub_text",
        "in process, scrub_text + 2 presidio recognizers",
        "presidio PatternRecognizer.analyze, the 2 alone",
    ):
        print(f"{name:<52} {results[name]:>9,.0f} lines/s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
