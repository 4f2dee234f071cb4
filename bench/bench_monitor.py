"""Monitor targets: replay throughput, live detection latency, memory of open windows.

* throughput: ``logward monitor replay``'s path (parse + all default rules +
  dry-run responder on an in-memory store) over generated sshd and combined
  logs, one process (one core). Target >= 50,000 events/s; fail2ban's sshd
  filter ~12,000 lines/s, CrowdSec ~250 events/s per vCPU.
* latency: ``logward monitor run --follow`` as a subprocess with the shipped
  responses (embedded SQLite revoker): time from appending the line that
  completes an attack to the revocation row's ``revoked_at``. Target < 1 s.
* memory: 1,000,000 distinct source addresses (and accounts) each failing once,
  through all default rules; tracemalloc's traced size after the feed. Target
  < 500 MB for 1M distinct keys.

* versus fail2ban-regex (``bench._vs_fail2ban``): wall time including start-up,
  one core, the same sshd files (a realistic 200k-line log, a single-address
  flood of 100k failed root passwords in 50 minutes, a 100k distinct-address
  flood). Target: logward >= 1.5x fail2ban-regex on the realistic log and the
  flood. Set ``BENCH_F2B_RUNS`` (default 3) for the median's sample size.

Run: ``python -m bench bench_monitor`` (``--quick`` for a smaller run).
"""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench._vs_fail2ban import compare

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "monitor.json"
BASELINES = {"fail2ban_sshd_lines_per_s": 12000, "crowdsec_events_per_s_per_vcpu": 250}


def _sshd_lines(n: int, rng: random.Random) -> list[str]:
    out = []
    t0 = 1_732_701_600
    for i in range(n):
        ts = time.strftime("%b %d %H:%M:%S", time.gmtime(t0 + i // 20))
        a, b, c, d = (
            rng.randrange(1, 224),
            rng.randrange(256),
            rng.randrange(256),
            rng.randrange(1, 255),
        )
        ip = f"{a}.{b}.{c}.{d}"
        if rng.random() < 0.05:
            ip = f"203.0.113.{rng.randrange(20)}"  # a few busy attackers
        user = rng.choice(["root", "admin", "oracle", "test", "ubuntu", f"u{rng.randrange(5000)}"])
        r = rng.random()
        if r < 0.6:
            msg = f"Failed password for {user} from {ip} port {rng.randrange(1024, 65535)} ssh2"
        elif r < 0.8:
            msg = f"Failed password for invalid user {user} from {ip} port 4242 ssh2"
        elif r < 0.9:
            msg = f"Accepted publickey for {user} from {ip} port 4242 ssh2: RSA SHA256:abc"
        else:
            msg = f"Connection closed by {ip} port 4242 [preauth]"
        out.append(f"{ts} bastion sshd[{1000 + i % 5000}]: {msg}")
    return out


def _combined_lines(n: int, rng: random.Random) -> list[str]:
    out = []
    t0 = 1_732_701_600
    for i in range(n):
        ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t0 + i // 50))
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        user = f"user{rng.randrange(2000)}"
        r = rng.random()
        if r < 0.8:
            req, status = f"GET /api/items/{rng.randrange(10000)}?page=2 HTTP/1.1", 200
        elif r < 0.9:
            req, status, user = "POST /login HTTP/1.1", rng.choice([200, 401]), "-"
        else:
            req, status = f"GET /admin/settings/{rng.randrange(50)} HTTP/1.1", 403
        out.append(
            f'{ip} - {user} [{ts}] "{req}" {status} 1234 "https://example.com/" '
            f'"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"'
        )
    return out


def _replay(fmt: str, lines: list[str]) -> dict[str, float]:
    from logward_base.paths import rules_dir
    from monitor import SCHEMA, DetectionEngine, Pipeline, Responder, load_rules
    from monitor.parsers import get_parser

    rules = load_rules(rules_dir())
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    engine = DetectionEngine(rules)
    responder = Responder.from_config(None, conn, clock=lambda: engine.watermark, dry_run=True)
    alerts: list[dict[str, object]] = []
    pipe = Pipeline(
        engine, respond=lambda a: [r.to_json() for r in responder.respond(a)], sink=alerts.append
    )
    parse = get_parser(fmt, year_rule=2024, scrub=lambda s: s).parse
    gc.collect()
    start = time.process_time()
    n_events = pipe.run(
        e for e in (parse(line, i, "bench.log") for i, line in enumerate(lines, 1)) if e
    )
    full = time.process_time() - start
    parse = get_parser(fmt, year_rule=2024, scrub=lambda s: s).parse
    parsed = [e for e in (parse(line, i, "bench.log") for i, line in enumerate(lines, 1)) if e]
    process = DetectionEngine(rules).process
    start = time.process_time()
    for ev in parsed:
        process(ev)
    detect = time.process_time() - start
    plain = Pipeline(DetectionEngine(rules))
    parse = get_parser(fmt, year_rule=2024, scrub=lambda s: s).parse
    start = time.process_time()
    plain.run(e for e in (parse(line, i, "bench.log") for i, line in enumerate(lines, 1)) if e)
    no_respond = time.process_time() - start
    conn.close()
    return {
        f"{fmt}_events_per_s": round(n_events / full),
        f"{fmt}_parse_detect_events_per_s": round(n_events / no_respond),
        f"{fmt}_lines_per_s": round(len(lines) / full),
        f"{fmt}_detect_only_events_per_s": round(len(parsed) / detect),
        f"{fmt}_alerts": len(alerts),
    }


def throughput(n: int) -> dict[str, float]:
    """CPU-time events/s through parse + detect + respond, per format; and detect only."""
    rng = random.Random(1)
    out: dict[str, float] = {}
    out.update(_replay("sshd", _sshd_lines(n, rng)))
    out.update(_replay("combined", _combined_lines(n, rng)))
    return out


def latency(trials: int) -> dict[str, float]:
    """Seconds from appending the deciding line to the revocation row (live follow)."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "auth.log"
        log.write_text("")
        data = Path(tmp) / "data"
        # The shipped responses cap automatic revocations at 5 an hour (safety);
        # lift the cap so every trial is a real revocation call.
        rules = Path(tmp) / "rules"
        shutil.copytree(ROOT / "rules" / "detections", rules / "detections")
        shipped = (ROOT / "rules" / "responses.yaml").read_text()
        (rules / "responses.yaml").write_text(shipped.replace("max: 5", "max: 1000", 1))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "logward",
                "monitor",
                "run",
                "--format",
                "sshd",
                "--follow",
                str(log),
                "--data-dir",
                str(data),
                "--rules",
                str(rules),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stderr is not None
        proc.stderr.readline()  # "monitoring (...)": ready
        time.sleep(0.3)
        from monitor import open_store  # encrypted: the key is store.key beside it

        conn = open_store(data)
        samples = []
        for k in range(trials):
            user = f"victim{k}"
            ip = f"198.51.100.{k + 1}"
            now = time.strftime("%b %d %H:%M:%S", time.gmtime())
            fails = [f"{now} h sshd[1]: Failed password for {user} from {ip} port 1 ssh2"] * 5
            with log.open("a") as fh:
                fh.write("\n".join(fails) + "\n")
            time.sleep(0.3)
            with log.open("a") as fh:
                fh.write(f"{now} h sshd[1]: Accepted password for {user} from {ip} port 1 ssh2\n")
            appended = time.time()
            deadline = appended + 5
            row = None
            while row is None and time.time() < deadline:
                row = conn.execute(
                    "SELECT revoked_at FROM revocations WHERE account = ?", (user,)
                ).fetchone()
                time.sleep(0.005)
            samples.append(row[0] - appended if row else float("inf"))
        conn.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    samples.sort()
    return {
        "latency_median_s": round(samples[len(samples) // 2], 4),
        "latency_max_s": round(samples[-1], 4),
        "latency_trials": trials,
    }


def memory(keys: int) -> dict[str, float]:
    """Traced memory of the engine's open windows for ``keys`` distinct IPs and accounts."""
    from logward_base.paths import rules_dir
    from monitor import AccessEvent, DetectionEngine, load_rules

    engine = DetectionEngine(load_rules(rules_dir()))
    t0 = 1_732_701_600.0
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(keys):
        ip = f"{10 + (i >> 24)}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        engine.process(
            AccessEvent(
                timestamp=t0 + i * 0.0001,
                category="authentication",
                action="ssh_login",
                outcome="failure",
                user_name=f"acct{i}",
                source_ip=ip,
            )
        )
    # Only the windows should stay: the events themselves are gone once processed.
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    open_keys = engine.open_keys()
    return {
        "memory_distinct_keys": keys,
        "memory_open_windows": sum(open_keys.values()),
        "memory_mb": round(used / 1e6, 1),
        "memory_bytes_per_window": round(used / max(sum(open_keys.values()), 1), 1),
    }


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    figures: dict[str, float] = {}
    figures.update(throughput(20_000 if quick else 200_000))
    figures.update(latency(3 if quick else 10))
    figures.update(memory(100_000 if quick else 1_000_000))
    figures.update(compare(runs=1 if quick else int(os.environ.get("BENCH_F2B_RUNS", "3"))))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"figures": figures, "baselines": BASELINES}, indent=2) + "\n")
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(f"{'baseline fail2ban sshd':<{width}}  {BASELINES['fail2ban_sshd_lines_per_s']} lines/s")
    print(
        f"{'baseline CrowdSec':<{width}}  {BASELINES['crowdsec_events_per_s_per_vcpu']} ev/s/vCPU"
    )
    ok = (
        min(figures["sshd_events_per_s"], figures["combined_events_per_s"]) >= 50_000
        and figures["latency_max_s"] < 1.0
        and figures["memory_mb"] < 500 * figures["memory_distinct_keys"] / 1_000_000
    )
    versus = {k: figures.get(f"vs_f2b_{k}_ratio") for k in ("realistic", "flood")}
    for name, ratio in versus.items():
        print(f"vs fail2ban-regex, {name}: {ratio}x (target >= 1.5x)")
    ok = ok and all(r is not None and r >= 1.5 for r in versus.values())
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
