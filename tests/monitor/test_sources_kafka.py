"""Kafka source against the real broker: two instances share a topic without double alerts."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from monitor import open_store

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

GROUP = [
    "--session-timeout-ms",
    "6000",
    "--heartbeat-interval-ms",
    "1000",
    "--max-poll-interval-ms",
    "3000",
]


def _assignment(err: Path) -> list[int] | None:
    found = re.findall(r"assigned partitions \[([0-9, ]*)\]", err.read_text())
    if not found:
        return None
    return [int(x) for x in found[-1].split(",") if x.strip()]


def _line(ts: int, user: str, ip: str) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))
    return f"{stamp} bastion sshd[42]: Failed password for {user} from {ip} port 4242 ssh2"


def test_two_instances_share_a_topic_without_double_alerts(kafka_broker, tmp_path):
    """Records keyed by source.ip split across two consumers: each attack alerts once."""
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    topic, group = "auth-lines", "monitor-ip"
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    admin.close()
    procs, outs, errs, handles = [], [], [], []
    for name in ("a", "b"):
        out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        outs.append(out)
        errs.append(err)
        handles += [out.open("w"), err.open("w")]
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "logward",
                    "monitor",
                    "run",
                    "--format",
                    "sshd",
                    "--kafka-bootstrap",
                    kafka_broker.bootstrap,
                    "--topic",
                    topic,
                    "--group-id",
                    group,
                    "--key-field",
                    "source.ip",
                    "--dry-run",
                    "--data-dir",
                    str(tmp_path / name),
                    *GROUP,
                ],
                stdout=handles[-2],
                stderr=handles[-1],
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        )
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            parts = [_assignment(e) for e in errs]
            if all(parts) and sorted(p for ps in parts for p in ps or []) == [0, 1]:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no balanced assignment: {[e.read_text()[-300:] for e in errs]}")
        ips = [f"203.0.113.{i}" for i in range(1, 9)]
        producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
        now = int(time.time())
        sent = 0
        for k in range(12):
            for ip in ips:
                producer.send(topic, key=ip.encode(), value=_line(now + k, "root", ip).encode())
                sent += 1
        producer.flush()
        producer.close()

        def alerts() -> list[dict[str, Any]]:
            return [json.loads(x) for o in outs for x in o.read_text().splitlines()]

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len([a for a in alerts() if a["rule"] == "brute-force-ip"]) >= len(ips):
                break
            time.sleep(0.2)
        time.sleep(1.0)  # room for a duplicate to show up if there were one
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for h in handles:
            h.close()
    brute = sorted(a["keys"]["source.ip"] for a in alerts() if a["rule"] == "brute-force-ip")
    assert sorted(ips) == brute
    assert all(a["keys"].keys() == {"source.ip"} for a in alerts())
    per_instance = []
    for name in ("a", "b"):
        conn = open_store(tmp_path / name)
        per_instance.append(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        conn.close()
    assert sent == sum(per_instance)
    assert all(n > 0 for n in per_instance)
