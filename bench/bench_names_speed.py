"""What the default-on name tier (``rules/names/``) costs, beside the pattern tier.

Three measurements, one core, same run:

- the tier alone (its trigger on every line, ``detect`` where it matches) over
  the bench corpus (:mod:`bench.corpus`), in CPU seconds;
- ``Scrubber.scrub_text`` with the shipped rules, with and without the name
  detector (interleaved repeats, best of each, CPU seconds);
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
    bare = Scrubber(
        [d for d in full.detectors if d.name != "person_names"],
        policy=full.policy,
        key_matcher=full.key_matcher,
    )
    tier = names[0]
    trigger = re.compile(str(getattr(tier, "trigger", ".")))

    def tier_alone() -> None:
        for text in texts:
            if trigger.search(text):
                tier.detect(text)

    for scrubber in (full, bare):
        scrubber.scrub_text("John Smith logged in")
    with_s = without_s = tier_s = float("inf")
    for _ in range(repeats):  # interleaved: load changes hit both alike
        with_s = min(with_s, _best_cpu(lambda: [full.scrub_text(t) for t in texts], 1))
        without_s = min(without_s, _best_cpu(lambda: [bare.scrub_text(t) for t in texts], 1))
        tier_s = min(tier_s, _best_cpu(tier_alone, 1))
    triggered = sum(1 for t in texts if trigger.search(t))
    return {
        "lines": len(texts),
        "lines_triggered": triggered,
        "tier_alone_cpu_s": round(tier_s, 4),
        "tier_alone_us_per_line": round(tier_s / len(texts) * 1e6, 2),
        "scrub_with_names_lines_per_s": round(len(texts) / with_s),
        "scrub_without_names_lines_per_s": round(len(texts) / without_s),
        "names_share_of_scrub": round((with_s - without_s) / with_s, 3),
        "tier_alone_share_of_pattern_tier": round(tier_s / without_s, 3),
    }


def _cli(texts: list[str]) -> dict[str, Any]:
    from logward.paths import rules_dir

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
