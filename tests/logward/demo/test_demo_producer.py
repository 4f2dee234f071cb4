"""``logward demo --kafka-bootstrap``: the producer feeds a real broker with usable data."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from logward.demo import ATTACKS


def _drain(
    bootstrap: str, topic: str, deadline_s: float = 20.0
) -> list[tuple[bytes | None, bytes]]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        out: list[tuple[bytes | None, bytes]] = []
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                out.extend((r.key, r.value) for r in records)
            if all(consumer.position(tp) >= end[tp] for tp in parts):
                break
        return out
    finally:
        consumer.close()


@pytest.mark.integration
@pytest.mark.kafka
def test_producer_publishes_raw_logs_and_attack_traffic(kafka_broker, tmp_path):
    """Raw app logs with PII (for the sidecar) and access events that replay into every attack."""
    raw_topic, access_topic = "demo-raw", "demo-access"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "logward",
            "demo",
            "--kafka-bootstrap",
            kafka_broker.bootstrap,
            "--raw-topic",
            raw_topic,
            "--access-topic",
            access_topic,
            "--duration",
            "6",
            "--speedup",
            "1500",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == result.returncode, result.stderr
    raw = _drain(kafka_broker.bootstrap, raw_topic)
    assert len(raw) >= 50
    assert any("@example.co.uk" in value.decode() for _, value in raw)
    access = _drain(kafka_broker.bootstrap, access_topic)
    assert len(access) > 2000
    for key, value in access[:50]:
        assert json.loads(value)["source"]["ip"].encode() == key
    log = tmp_path / "access.log"
    lines = sorted((json.loads(v)["@timestamp"], v.decode()) for _, v in access)
    log.write_text("".join(line + "\n" for _, line in lines), encoding="utf-8")
    replay = subprocess.run(
        [
            sys.executable,
            "-m",
            "logward",
            "monitor",
            "replay",
            "--format",
            "json",
            "--dry-run",
            str(log),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    fired = {
        (a["rule"], json.dumps(a["keys"], sort_keys=True))
        for a in map(json.loads, replay.stdout.splitlines())
    }
    for rule, keys in ATTACKS.items():
        assert (rule, json.dumps(keys, sort_keys=True)) in fired
