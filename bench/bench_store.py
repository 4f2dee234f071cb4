"""Store encryption cost: replay of a realistic 200k-line log, encrypted store vs plaintext.

Both runs go through the same path as ``logward monitor replay --data-dir``:
parse, every default rule, dry-run responder, and the store recording every
event, per-minute rates, alerts, actions and the audit chain, on a file in a
temporary directory. "plaintext" is the store as it was before issue 12 (stdlib
``sqlite3``, WAL, ``synchronous=NORMAL``); "encrypted" is ``open_store`` now
(SQLCipher AES-256, ``secure_delete`` on). The log is 100k sshd lines and 100k
combined (web) lines from ``bench_monitor``'s generators. Figures are CPU time
of this process (``time.process_time``; SQLite runs in it) and wall time; the
runs alternate and the best of ``--repeat`` is kept. Target: encrypted <= 1.5x.

Run: ``python -m bench bench_store`` (``--lines N``, ``--repeat R``).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.bench_monitor import _combined_lines, _sshd_lines

TARGET_RATIO = 1.5
RESULTS = Path(__file__).parent / "results" / "store.json"


def _plain_store(data: Path) -> sqlite3.Connection:
    """The store as opened before encryption (issue 12): plaintext SQLite, WAL."""
    from monitor._schema import SCHEMA

    conn = sqlite3.connect(data / "monitor.db", check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    return conn


def _watermark(engine: Any) -> Callable[[], float]:
    return lambda: float(engine.watermark)


def _respond(responder: Any) -> Callable[[Any], list[dict[str, Any]]]:
    return lambda alert: [r.to_json() for r in responder.respond(alert)]


def _run(kind: str, logs: list[tuple[str, list[str]]]) -> tuple[float, float, int]:
    from logward.paths import rules_dir
    from monitor import DetectionEngine, Pipeline, Responder, load_rules, open_store
    from monitor.parsers import get_parser

    rules = load_rules(rules_dir())
    cpu = wall = 0.0
    events = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        conn = open_store(data) if kind == "encrypted" else _plain_store(data)
        for fmt, lines in logs:
            engine = DetectionEngine(rules, track_dirty=True)
            responder = Responder.from_config(None, conn, clock=_watermark(engine), dry_run=True)
            pipe = Pipeline(
                engine,
                respond=_respond(responder),
                sink=lambda _doc: None,
                conn=conn,
                record_events=True,
                checkpoint_every=5.0,
            )
            parse = get_parser(fmt, year_rule=2024, scrub=lambda s: s).parse
            gc.collect()
            c0, w0 = time.process_time(), time.perf_counter()
            events += pipe.run(
                e for e in (parse(line, i, f"{fmt}.log") for i, line in enumerate(lines, 1)) if e
            )
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        conn.close()
    assert stored > 0, "the store recorded no events"
    return cpu, wall, events


def main(argv: list[str]) -> int:
    """Run the benchmark; returns 1 if the encrypted replay misses the 1.5x target."""
    parser = argparse.ArgumentParser(prog="bench_store")
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    rng = random.Random(12)
    half = args.lines // 2
    logs = [("sshd", _sshd_lines(half, rng)), ("combined", _combined_lines(half, rng))]
    best: dict[str, tuple[float, float, int]] = {}
    for _ in range(args.repeat):
        for kind in ("plaintext", "encrypted"):
            got = _run(kind, logs)
            if kind not in best or got[0] < best[kind][0]:
                best[kind] = got
    (pc, pw, n), (ec, ew, _) = best["plaintext"], best["encrypted"]
    ratio = ec / pc
    out = {
        "lines": args.lines,
        "events": n,
        "plaintext_cpu_s": round(pc, 2),
        "encrypted_cpu_s": round(ec, 2),
        "plaintext_wall_s": round(pw, 2),
        "encrypted_wall_s": round(ew, 2),
        "cpu_ratio": round(ratio, 3),
        "wall_ratio": round(ew / pw, 3),
        "target_ratio": TARGET_RATIO,
    }
    width = 28
    print(f"{'replay, plaintext store':<{width}}  {pc:7.2f} s CPU  {pw:7.2f} s wall  ({n} events)")
    print(f"{'replay, encrypted store':<{width}}  {ec:7.2f} s CPU  {ew:7.2f} s wall")
    print(f"{'ratio (target <= 1.5x)':<{width}}  {ratio:7.3f}x CPU  {ew / pw:7.3f}x wall")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
