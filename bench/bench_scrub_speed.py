"""Speed of ``logward scrub`` on one core, pattern tier and ``--ner``, next to presidio.

The benchmark pins itself (and so its children) to one CPU, then times
``logward scrub`` as a subprocess on unique corpus lines (:mod:`bench.corpus`);
process start-up (the best of three runs on one line) is reported and subtracted. presidio's
``AnalyzerEngine.analyze`` per line and ``BatchAnalyzerEngine`` run in process
on a slice of the same lines. An ablation shows what each NER speed trick buys:
the spaCy pipeline on whole lines, NER-only pipes on whole lines, logward's
detector without its cache, and with it.

``python -m bench scrub_speed`` or ``python -m bench.bench_scrub_speed [--quick]``.
Writes ``bench/results/scrub_speed.json``. Targets: pattern >= 20,000 lines/s,
``--ner`` >= 325 lines/s.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import _baselines as B
from bench.corpus import generate

RESULTS = Path(__file__).parent / "results" / "scrub_speed.json"
TARGETS = {"logward scrub": 20_000.0, "logward scrub --ner": 325.0}
BASELINE_NOTE = (
    "issue 2 / TESTING.md baselines (this machine, one core): presidio analyze ~65 lines/s, "
    "BatchAnalyzerEngine ~130 lines/s, spaCy sm full ~290, NER-only ~400"
)


def _rate(fn: Callable[[Sequence[str]], Any], texts: Sequence[str]) -> tuple[float, float]:
    start = time.perf_counter()
    fn(texts)
    seconds = time.perf_counter() - start
    return len(texts) / seconds, seconds


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cli(flags: tuple[str, ...], texts: list[str]) -> dict[str, float]:
    scrub = B.logward_cli(*flags)
    startups: list[tuple[float, float]] = []
    for _ in range(3):
        cpu = _child_cpu()
        wall = _rate(scrub, texts[:1])[1]
        startups.append((wall, _child_cpu() - cpu))
    startup = min(wall for wall, _ in startups)
    startup_cpu = min(cpu for _, cpu in startups)
    cpu = _child_cpu()
    _, seconds = _rate(scrub, texts)
    cpu_seconds = _child_cpu() - cpu
    work = max(seconds - startup, 1e-9)
    return {
        "lines": len(texts),
        "seconds": seconds,
        "startup_seconds": startup,
        "lines_per_s": len(texts) / work,
        "lines_per_s_with_startup": len(texts) / seconds,
        # CPU time of the child (start-up CPU subtracted): steadier on a busy machine
        "cpu_seconds": cpu_seconds,
        "lines_per_cpu_s": len(texts) / max(cpu_seconds - startup_cpu, 1e-9),
    }


def _ablation(texts: list[str]) -> dict[str, float]:
    from detectors import SpacyNerDetector

    cached = SpacyNerDetector()
    nlp = cached._load()[0]
    model = str(cached.model) if cached.model else None
    import importlib

    from detectors import resolve_ner_model

    full = importlib.import_module(resolve_ner_model(model)).load()
    slice_ = texts[: max(1, len(texts) // 6)]
    out: dict[str, float] = {}
    out["spaCy full pipeline, whole lines"] = _rate(
        lambda t: list(full.pipe(t, batch_size=256)), slice_
    )[0]
    out["spaCy NER only, whole lines"] = _rate(lambda t: list(nlp.pipe(t, batch_size=256)), slice_)[
        0
    ]
    uncached = SpacyNerDetector(model, cache_size=0)
    uncached._load()
    out["logward NER tier, no cache"] = _rate(uncached.detect_batch, texts)[0]
    out["logward NER tier, cache"] = _rate(cached.detect_batch, texts)[0]
    out["share of lines reaching the model"] = sum(
        1 for t in texts if uncached._plan(t, uncached._load()[1]).candidates
    ) / len(texts)
    return out


ADVERSARIAL = {
    "repeated PEM headers": "-----BEGIN PRIVATE KEY-----.",
    "digit groups": "call 0612 34 56 78 / ",
    "encoded query": "q=4111+1111+1111+1111%2540&",
    "Basic credentials": "Basic dXNlcjpwYXNz ",
    "written-out e-mail": "jane(at)example(dot)com ",
}


def _adversarial() -> dict[str, dict[str, float]]:
    """CPU ms per 10 kB of hostile lines at 16, 64 and 128 kB (flat means linear work)."""
    import scrubber

    engine = scrubber.load_scrubber()
    out: dict[str, dict[str, float]] = {}
    for name, unit in ADVERSARIAL.items():
        row: dict[str, float] = {}
        for kb in (16, 64, 128):
            line = unit * (kb * 1024 // len(unit))
            start = time.process_time()
            engine.scrub_text(line)
            row[f"{kb} kB"] = (time.process_time() - start) * 1000 / (len(line) / 10240)
        out[name] = row
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_scrub_speed", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for smoke runs")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    pinned = B.pin_one_core()
    n_pattern, n_ner, n_presidio = (3000, 1000, 100) if args.quick else (30000, 20000, 600)
    texts = [line.text for line in generate(n_pattern, args.seed)]
    ner_texts = texts[:n_ner]
    results: dict[str, Any] = {"pinned": pinned}
    if B.cli_available():
        results["logward scrub"] = _cli((), texts)
        results["logward scrub --ner"] = _cli(("--ner",), ner_texts)
    else:
        print("note: `logward scrub` is not in this tree yet; CLI rows skipped")
    ablation = _ablation(ner_texts[:6000])
    presidio_batch = B.presidio_analyzer(batch=True)
    presidio_line = B.presidio_analyzer(batch=False)
    presidio_line(texts[:5])  # warm-up: recognizers, regex compilation
    results["presidio analyze per line"] = _rate(presidio_line, texts[: n_presidio // 2])[0]
    results["presidio BatchAnalyzerEngine"] = _rate(presidio_batch, texts[:n_presidio])[0]
    results["ablation"] = ablation
    results["adversarial ms per 10 kB"] = adversarial = _adversarial()

    print(f"one core ({pinned}); corpus seed {args.seed}")
    for name in ("logward scrub", "logward scrub --ner"):
        if name in results:
            r = results[name]
            print(
                f"{name:<36} {r['lines_per_s']:>10,.0f} lines/s  ({r['lines']} lines, "
                f"{r['seconds']:.2f}s incl. {r['startup_seconds']:.2f}s start-up; "
                f"{r['lines_per_s_with_startup']:,.0f} lines/s with start-up; "
                f"{r['lines_per_cpu_s']:,.0f} per CPU second)  "
                f"target >= {TARGETS[name]:,.0f}"
            )
    for name in ("presidio analyze per line", "presidio BatchAnalyzerEngine"):
        print(f"{name:<36} {results[name]:>10,.0f} lines/s")
    print("NER ablation (in process, same lines):")
    for name, value in ablation.items():
        shown = f"{value:.0%}" if name.startswith("share") else f"{value:,.0f} lines/s"
        print(f"  {name:<40} {shown}")
    print(
        "hostile lines, CPU ms per 10 kB at 16 / 64 / 128 kB (flat = linear; was 65 ms at 128 kB):"
    )
    for name, row in adversarial.items():
        print(f"  {name:<40} " + " / ".join(f"{v:.2f}" for v in row.values()))
    print(BASELINE_NOTE)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
