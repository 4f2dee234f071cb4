"""Micro-benchmark of the engine's pattern tier: ``Scrubber.scrub_text`` lines per second.

The mix is the labelled evaluation corpus (:mod:`bench.corpus`: plain text, JSON
lines, key=value, nginx/apache access lines with query strings, tracebacks,
syslog), cut so that about 30% of the lines hold PII, as in production logs.
The scrubber is the default one built from the shipped rules (no NER). Timing is
CPU time of one thread, best of several rounds; the first round warms caches.

Target (issue 2): ``logward scrub`` pattern tier >= 20,000 lines/s on one core,
i.e. about 50 µs per line end to end; presidio-analyzer managed about 65 lines/s.

``python -m bench bench_engine`` or ``python -m bench.bench_engine [--lines N] [--rounds R]``.
Writes ``bench/results/engine.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from bench.corpus import generate

RESULTS = Path(__file__).parent / "results" / "engine.json"
TARGET_LINES_PER_S = 20_000
PRESIDIO_LINES_PER_S = 65
PII_SHARE = 0.3


def build_mix(lines: int, seed: int = 7) -> list[str]:
    """Return ``lines`` corpus lines, about 30% of them holding PII, shuffled."""
    corpus = generate(max(lines * 2, 2000), seed=seed)
    with_pii = [line.text for line in corpus if line.labels]
    clean = [line.text for line in corpus if not line.labels]
    if len(clean) < lines:
        # The corpus is PII-heavy; strip-free lines are topped up with its kept tokens.
        extra = [" ".join(line.keep) for line in corpus if line.keep]
        clean.extend(extra)
    rng = random.Random(seed)
    n_pii = int(lines * PII_SHARE)
    mix = rng.sample(with_pii, min(n_pii, len(with_pii)))
    mix += rng.sample(clean, min(lines - len(mix), len(clean)))
    rng.shuffle(mix)
    return mix


def measure(lines: list[str], rounds: int) -> dict[str, float]:
    """Time ``scrub_text`` over ``lines``; return best and median lines/s."""
    import scrubber

    engine = scrubber.load_scrubber()
    for text in lines[:500]:
        engine.scrub_text(text)
    rates: list[float] = []
    for _ in range(rounds):
        start = time.thread_time()
        for text in lines:
            engine.scrub_text(text)
        elapsed = time.thread_time() - start
        rates.append(len(lines) / elapsed)
    rates.sort()
    return {
        "best_lines_per_s": round(rates[-1]),
        "median_lines_per_s": round(rates[len(rates) // 2]),
        "us_per_line": round(1e6 / rates[len(rates) // 2], 2),
        "failures": engine.stats.failures,
    }


def main(argv: list[str]) -> int:
    """Run the benchmark, print figures beside the target and baseline, write JSON."""
    parser = argparse.ArgumentParser(prog="bench_engine", description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    lines = build_mix(args.lines)
    figures = measure(lines, args.rounds)
    avg_len = sum(map(len, lines)) / len(lines)
    result = {
        "lines": len(lines),
        "avg_chars": round(avg_len, 1),
        "pii_share": PII_SHARE,
        "target_lines_per_s": TARGET_LINES_PER_S,
        "presidio_lines_per_s": PRESIDIO_LINES_PER_S,
        **figures,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = figures["median_lines_per_s"] >= TARGET_LINES_PER_S
    print(
        f"engine scrub_text, pattern tier, 1 thread: {figures['median_lines_per_s']:,} lines/s "
        f"median ({figures['us_per_line']} µs/line, best {figures['best_lines_per_s']:,}) "
        f"on {len(lines):,} lines of {avg_len:.0f} chars, {PII_SHARE:.0%} with PII | "
        f"target >= {TARGET_LINES_PER_S:,} | presidio ~{PRESIDIO_LINES_PER_S} "
        f"[{'OK' if ok else 'BELOW TARGET'}]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
