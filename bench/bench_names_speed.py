"""What the default-on name tier (``rules/names/``) costs, beside the pattern tier.

Three measurements, one core, same run:

- the tier alone (its trigger on every line, ``detect`` where it matches) over
  the bench corpus (:mod:`bench.corpus`), in CPU seconds;
- ``Scrubber.scrub_text`` with the shipped rules, with and without the name
  detector, and with stand-ins that keep its gate but drop its findings or skip
  ``detect`` (what the engine spends on the gate; what ``detect`` costs amid the
  other detectors, caches cold); interleaved repeats, best of each, CPU seconds;
- ``logward scrub`` as a subprocess with the shipped rules and with a copy whose
  ``person_names.yaml`` says ``enabled: false`` (wall seconds, start-up included).

The bench corpus puts a person name in about half of its lines, far more than
most logs do, so the same figures are given for its lines that hold no name.
``python -m bench names_speed [--lines N]``. Writes ``bench/results/names_speed.json``.
Aim: the tier <= 10% of the pattern tier.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import _baselines as B
from bench.corpus import generate

RESULTS = Path(__file__).parent / "results" / "names_speed.json"


def _best_cpu(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _in_process(texts: list[str], repeats: int) -> dict[str, Any]:
    from scrubber import Scrubber, load_scrubber

    full = load_scrubber()
    names = [d for d in full.detectors if d.name == "person_names"]
    tier: Any = names[0]  # a PersonNameDetector (clear_cache)
    trigger = re.compile(str(getattr(tier, "trigger", ".")))

    def tier_alone() -> None:
        for text in texts:
            if trigger.search(text):
                tier.detect(text)

    class _Silent:
        """The tier with its findings dropped, or (``call=False``) not called at all:
        what the engine spends on the gate alone, and on ``detect`` in context."""

        def __init__(self, call: bool) -> None:
            self.name, self.trigger, self._call = tier.name, trigger.pattern, call

        def detect(self, text: str) -> list[Any]:
            if self._call:
                tier.detect(text)
            return []

    def make(extra: list[Any]) -> Any:
        others = [d for d in full.detectors if d.name != "person_names"]
        return Scrubber(others + extra, policy=full.policy, key_matcher=full.key_matcher)

    bare = make([])
    gate_only, silent = make([_Silent(False)]), make([_Silent(True)])
    runs = {"with": full, "without": bare, "gate_only": gate_only, "silent": silent}
    for scrubber in runs.values():
        scrubber.scrub_text("John Smith logged in")
    best = dict.fromkeys([*runs, "tier"], float("inf"))

    def scrub_all(scrubber: Any) -> Callable[[], object]:
        def run() -> None:
            tier.clear_cache()  # every timed run starts cold: no replay of a warm cache
            for text in texts:
                scrubber.scrub_text(text)

        return run

    def tier_cold() -> None:
        tier.clear_cache()
        tier_alone()

    for _ in range(repeats):  # interleaved: load changes hit all alike
        for label, scrubber in runs.items():
            best[label] = min(best[label], _best_cpu(scrub_all(scrubber), 1))
        best["tier"] = min(best["tier"], _best_cpu(tier_cold, 1))
    n = len(texts)
    triggered = sum(1 for t in texts if trigger.search(t))
    return {
        "lines": n,
        "lines_triggered": triggered,
        "tier_alone_us_per_line": round(best["tier"] / n * 1e6, 2),
        "tier_alone_share_of_pattern_tier": round(best["tier"] / best["without"], 3),
        "engine_gate_us_per_line": round((best["gate_only"] - best["without"]) / n * 1e6, 2),
        "detect_in_engine_us_per_line": round((best["silent"] - best["gate_only"]) / n * 1e6, 2),
        "scrub_with_names_lines_per_s": round(n / best["with"]),
        "scrub_without_names_lines_per_s": round(n / best["without"]),
        "names_share_of_scrub": round((best["with"] - best["without"]) / best["with"], 3),
    }


def _cli(texts: list[str]) -> dict[str, Any]:
    from logward_base.paths import rules_dir

    with tempfile.TemporaryDirectory() as tmp:
        off = Path(tmp) / "rules"
        shutil.copytree(rules_dir(), off)
        rule = off / "names" / "person_names.yaml"
        rule.write_text(rule.read_text("utf-8").replace("enabled: true", "enabled: false"), "utf-8")
        runs: dict[str, list[float]] = {"on": [], "off": []}
        for _ in range(2):
            for label, flags in (("on", ()), ("off", ("--rules", str(off)))):
                scrub = B.logward_cli(*flags)
                start = time.perf_counter()
                scrub(texts)
                runs[label].append(time.perf_counter() - start)
    on, off_s = min(runs["on"]), min(runs["off"])
    return {
        "scrub_names_on_lines_per_s": round(len(texts) / on),
        "scrub_names_off_lines_per_s": round(len(texts) / off_s),
        "names_share_of_cli": round((on - off_s) / on, 3),
        "note": "wall seconds including process start-up, best of two",
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_names_speed", description=__doc__)
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-cli", action="store_true")
    args = parser.parse_args(argv)
    note = B.pin_one_core()
    lines = generate(args.lines)
    texts = list(dict.fromkeys(line.text for line in lines))
    nameless = list(
        dict.fromkeys(
            line.text for line in lines if all(lab.entity != "PERSON" for lab in line.labels)
        )
    )
    report: dict[str, Any] = {
        "pinned": note,
        "in_process": _in_process(texts, args.repeats),
        "in_process_lines_without_names": _in_process(nameless, args.repeats),
    }
    print(note, json.dumps(report["in_process"], indent=1), flush=True)
    print("lines without names:", json.dumps(report["in_process_lines_without_names"], indent=1))
    if not args.no_cli and B.cli_available():
        report["cli"] = _cli(texts)
        print(json.dumps(report["cli"], indent=1), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
