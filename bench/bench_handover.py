"""Alert latency through a consumer group of monitors, and the gap a partition handover costs.

Real parts: the Tansu broker (Kafka protocol), ``logward monitor run``
subprocesses in one consumer group (``--key-field user.name``), one shared
store: the SQLite file, and with ``--postgres`` also a real PostgreSQL 15
(started in a temporary directory, fsync on; ``--store postgresql://...``),
both backends measured in the same run.

* baseline: ONE instance owning all 4 partitions, measured in the same run.
* two instances: the group split 2 + 2.
* latency = time from producing the line that completes an attack (5th failed
  login for one account) to the revocation row's ``revoked_at`` (the
  responder's wall clock). Target < 1 s. Background load: benign successful
  logins at ``--rate`` lines/s from a producer thread, spread over the
  partitions, during every phase.
* handover gap: one instance is killed with SIGKILL, and attacks keyed to its
  partitions are produced at once; their latency is the outage the group
  protocol imposes (session timeout 6 s here, plus the join) before the
  survivor restores the windows and fires. Reported, not a target.

Run: ``python -m bench bench_handover`` (or ``python -m bench.bench_handover --quick``);
``--postgres`` adds the PostgreSQL phases (figures in ``results/handover_pg.json``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "handover.json"
PARTITIONS = 4
GROUP = ["--session-timeout-ms", "6000", "--heartbeat-interval-ms", "1000",
         "--max-poll-interval-ms", "3000"]  # fmt: skip
RULE = """name: bench-failed-logins
type: threshold
severity: high
match:
  event.category: authentication
  event.outcome: failure
group_by: [user.name]
threshold: 5
window: 1h
cooldown: 1h
"""
RESPONSES = """version: 1
settings:
  cap: {max: 100000, window: 1h}
revokers:
  embedded: {type: sqlite}
responses:
  - name: revoke
    match: {rule: bench-failed-logins}
    actions:
      - {type: revoke_account, revoker: embedded}
"""


def _line(user: str, outcome: str) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    verb = "Failed" if outcome == "failure" else "Accepted"
    return f"{stamp} bastion sshd[42]: {verb} password for {user} from 203.0.113.9 port 4242 ssh2"


class Group:
    """Monitor instances of one consumer group on one topic and one store."""

    def __init__(self, bootstrap: str, tmp: Path, url: str | None = None) -> None:
        from kafka.admin import KafkaAdminClient, NewTopic

        self.bootstrap, self.tmp, self.url = bootstrap, tmp, url
        self.topic, self.group = f"lat-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic(self.topic, num_partitions=PARTITIONS, replication_factor=1)])
        admin.close()
        (tmp / "rules" / "detections").mkdir(parents=True)
        (tmp / "rules" / "detections" / "bench.yaml").write_text(RULE)
        (tmp / "rules" / "responses.yaml").write_text(RESPONSES)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        err = (self.tmp / f"{name}.err").open("w")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "logward", "monitor", "run", "--format", "sshd",
             "--kafka-bootstrap", self.bootstrap, "--topic", self.topic, "--group-id", self.group,
             "--key-field", "user.name", "--rules", str(self.tmp / "rules"),
             "--data-dir", str(self.tmp / "store"), *GROUP,
             *(["--store", self.url] if self.url else [])],
            stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip

    def assigned(self, name: str) -> list[int]:
        text = (self.tmp / f"{name}.err").read_text()
        marker = "assigned partitions ["
        at = text.rfind(marker)
        if at < 0:
            return []
        inner = text[at + len(marker) : text.index("]", at)]
        return [int(x) for x in inner.split(",") if x.strip()]

    def wait_balanced(self, names: list[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            parts = [self.assigned(n) for n in names]
            if all(parts) and sorted(p for ps in parts for p in ps) == list(range(PARTITIONS)):
                return
            time.sleep(0.1)
        raise RuntimeError(f"group never balanced over {names}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _partition_of(key: bytes) -> int:
    """The partition kafka-python's default partitioner picks for ``key``."""
    from kafka.partitioner.default import murmur2

    return int(murmur2(key) & 0x7FFFFFFF) % PARTITIONS


def _revoked_at(conn: Any, user: str, deadline: float) -> float | None:
    while time.time() < deadline:
        row = conn.execute("SELECT revoked_at FROM revocations WHERE account = ?", (user,))
        found = row.fetchone()
        if found is not None:
            return float(found[0])
        time.sleep(0.005)
    return None


def _attacks(g: Group, producer: Any, tag: str, trials: int, parts: set[int] | None) -> list[float]:
    """Latency of ``trials`` attacks (on accounts keyed to ``parts``), one at a time."""
    from monitor import open_store

    conn = open_store(g.tmp / "store", store=g.url)
    samples: list[float] = []
    k = 0
    while len(samples) < trials:
        user = f"{tag}{k}"
        k += 1
        if parts is not None and _partition_of(user.encode()) not in parts:
            continue
        for _ in range(4):
            producer.send(g.topic, key=user.encode(), value=_line(user, "failure").encode())
        producer.flush()
        sent = time.time()
        producer.send(g.topic, key=user.encode(), value=_line(user, "failure").encode())
        producer.flush()
        got = _revoked_at(conn, user, sent + 60)
        samples.append(got - sent if got is not None else float("inf"))
    conn.close()
    return samples


def _load(g: Group, rate: float, stop: threading.Event) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=g.bootstrap, linger_ms=5)
    n = 0
    start = time.monotonic()
    while not stop.is_set():
        user = f"staff{n % 997}"
        producer.send(g.topic, key=user.encode(), value=_line(user, "success").encode())
        n += 1
        ahead = n / rate - (time.monotonic() - start)
        if ahead > 0:
            stop.wait(ahead)
    producer.flush()
    producer.close()


def _stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    p99 = s[min(len(s) - 1, round(0.99 * (len(s) - 1)))]
    return {"p50_s": round(statistics.median(s), 4), "p99_s": round(p99, 4),
            "max_s": round(s[-1], 4), "n": len(s)}  # fmt: skip


def run(trials: int, rate: float, postgres: bool = False) -> dict[str, Any]:
    """Both phases on SQLite; with ``postgres`` the same phases again on PostgreSQL."""
    from tests._services import start_kafka, start_postgres

    out: dict[str, Any] = {"trials": trials, "background_lines_per_s": rate}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        broker = start_kafka(tmp)
        try:
            if not postgres:
                out.update(_phases(broker.bootstrap, tmp, trials, rate, None))
                return out
            out["sqlite"] = _phases(broker.bootstrap, tmp / "sqlite", trials, rate, None)
            # Its own directory: the server runs as ``postgres``, which cannot enter ``tmp``.
            pgdir = Path(tempfile.mkdtemp(prefix="logward-bench-pg-"))
            server = start_postgres(pgdir, fsync=True)
            try:
                out["postgresql"] = _phases(
                    broker.bootstrap, tmp / "postgresql", trials, rate, server.database
                )
            finally:
                server.stop()
                shutil.rmtree(pgdir, ignore_errors=True)
        finally:
            broker.stop()
    return out


def _phases(bootstrap: str, tmp: Path, trials: int, rate: float, database: Any) -> dict[str, Any]:
    """One instance, then two with a kill -9 handover; ``database(name)``: a PostgreSQL URL."""
    from kafka import KafkaProducer

    out: dict[str, Any] = {}
    for phase, names in (("one_instance", ["a"]), ("two_instances", ["a", "b"])):
        url = database(f"bench_{phase}") if database is not None else None
        g = Group(bootstrap, tmp / phase, url)
        stop = threading.Event()
        load = threading.Thread(target=_load, args=(g, rate, stop), daemon=True)
        try:
            for name in names:
                g.start(name)
            g.wait_balanced(names)
            load.start()
            producer = KafkaProducer(bootstrap_servers=bootstrap)
            out[phase] = _stats(_attacks(g, producer, f"{phase}-v", trials, None))
            if phase == "two_instances":
                victim = set(g.assigned("a"))
                killed = time.time()
                g.procs["a"].send_signal(signal.SIGKILL)
                gap = _attacks(g, producer, "gap-v", 1, victim)[0]
                out["handover_gap_s"] = round(gap, 3)
                out["handover_gap_from_kill_s"] = round(time.time() - killed, 3)
                after = _attacks(g, producer, "after-v", trials, victim)
                out["survivor_after_handover"] = _stats(after)
            producer.close()
        finally:
            stop.set()
            if load.is_alive():
                load.join(10)
            g.stop()
    return out


def _summary(label: str, figures: dict[str, Any]) -> bool:
    two = figures["two_instances"]
    ok = bool(two["p99_s"] < 1.0 and figures["survivor_after_handover"]["p99_s"] < 1.0)
    print(
        f"{label}line -> revocation, two instances: p50 {two['p50_s']}s p99 {two['p99_s']}s"
        f" (baseline one instance: p50 {figures['one_instance']['p50_s']}s"
        f" p99 {figures['one_instance']['p99_s']}s); target < 1 s: " + ("met" if ok else "NOT met")
    )
    return ok


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    postgres = "--postgres" in argv
    trials = 10 if quick else 50
    rate = 200.0 if quick else 1000.0
    figures = run(trials, rate, postgres)
    results = RESULTS.with_name("handover_pg.json") if postgres else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    if not postgres:
        return 0 if _summary("", figures) else 1
    ok = [_summary(f"{name}: ", figures[name]) for name in ("sqlite", "postgresql")]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
