"""Fleet-wide revocation cap: three ``monitor run`` consumers of one topic on one PostgreSQL store.

Unlike three replays of one log (``tests/monitor/store/test_pg_store.py``),
where every instance sees every alert, here a consumer group splits the
attack: each instance sees only its partition's accounts, so the cap holds
only if it is counted across the instances, in the shared store.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor import open_store
from tests.monitor.test_handover import GROUP, Instance, _line, _until

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

PARTITIONS = 3
CAP = 5
ACCOUNTS_PER_PARTITION = 3  # 9 accounts attacked, cap 5: 5 revoked, 4 alert-only
THRESHOLD = 6
RULE = f"""name: fleet-failed-logins
description: Failed logins against one admin account (test rule).
type: threshold
severity: high
match:
  event.category: authentication
  event.outcome: failure
group_by: [user.name]
threshold: {THRESHOLD}
window: 1h
cooldown: 1h
"""
RESPONSES = f"""version: 1
settings:
  cap: {{max: {CAP}, window: 1h}}
revokers:
  embedded:
    type: sqlite
responses:
  - name: revoke
    match:
      rule: fleet-failed-logins
    actions:
      - type: revoke_account
        revoker: embedded
"""


def _partition_of(key: bytes) -> int:
    """The partition kafka-python's default partitioner picks for ``key``."""
    from kafka.partitioner.default import murmur2

    return int(murmur2(key) & 0x7FFFFFFF) % PARTITIONS


def _accounts() -> list[str]:
    """Admin account names, three keyed to each partition (so every instance sees some)."""
    per: dict[int, list[str]] = {p: [] for p in range(PARTITIONS)}
    n = 0
    while any(len(v) < ACCOUNTS_PER_PARTITION for v in per.values()):
        name = f"admin{n}"
        n += 1
        bucket = per[_partition_of(name.encode())]
        if len(bucket) < ACCOUNTS_PER_PARTITION:
            bucket.append(name)
    return sorted(a for v in per.values() for a in v)


@pytest.fixture
def fleet(kafka_broker: Any, tmp_path: Path, pg_url: str) -> Iterator[dict[str, Any]]:
    """A 3-partition topic, rules with cap 5, and a list for the instances (stopped afterwards)."""
    from kafka.admin import KafkaAdminClient, NewTopic

    topic, group = f"fleet-{uuid.uuid4().hex[:8]}", f"mon-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    admin.close()
    rules = tmp_path / "rules"
    (rules / "detections").mkdir(parents=True)
    (rules / "detections" / "fleet.yaml").write_text(RULE)
    (rules / "responses.yaml").write_text(RESPONSES)
    instances: list[Instance] = []
    try:
        yield {"topic": topic, "group": group, "rules": rules, "instances": instances}
    finally:
        for inst in instances:
            inst.stop()


def _query(url: str, tmp: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = open_store(tmp / "reader", store=url)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


@pytest.mark.timeout(300)
def test_three_consumers_share_one_revocation_cap(kafka_broker, tmp_path, pg_url, fleet):
    """9 admin accounts attacked across 3 consumers (cap 5): exactly 5 revoked, 4 alert-only."""
    instances: list[Instance] = fleet["instances"]
    for i in range(3):
        argv = ["--format", "sshd", "--kafka-bootstrap", kafka_broker.bootstrap,
                "--topic", fleet["topic"], "--group-id", fleet["group"],
                "--key-field", "user.name", "--rules", str(fleet["rules"]),
                "--store", pg_url, "--data-dir", str(tmp_path / f"node{i}"), *GROUP]  # fmt: skip
        instances.append(Instance(f"node{i}", tmp_path, argv))

    def balanced() -> bool:
        parts = [inst.assigned() for inst in instances]
        return all(len(p or []) == 1 for p in parts) and sorted(
            x for p in parts for x in p or []
        ) == list(range(PARTITIONS))

    _until(balanced, 60, "the three instances to own one partition each")
    from kafka import KafkaProducer

    accounts = _accounts()
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    clock = float(int(time.time()))
    for _ in range(THRESHOLD):
        for a, user in enumerate(accounts):
            clock += 1.0
            line = _line(clock, user, f"198.51.100.{10 + a}")
            producer.send(fleet["topic"], key=user.encode(), value=line.encode())
    producer.flush()
    producer.close()
    count = "SELECT COUNT(*) FROM actions WHERE action = 'revoke_account'"
    _until(
        lambda: _query(pg_url, tmp_path, count) == [(len(accounts),)],
        60,
        "an action record for every alert",
    )
    alerts = _query(pg_url, tmp_path, "SELECT key_text FROM alerts ORDER BY key_text")
    assert sorted(f"user.name={a}" for a in accounts) == [r[0] for r in alerts]
    outcomes = _query(
        pg_url, tmp_path, "SELECT target, outcome, detail FROM actions ORDER BY target"
    )
    done = sorted(t for t, o, _ in outcomes if o == "done")
    capped = sorted(t for t, o, d in outcomes if o == "skipped" and "cap reached" in (d or ""))
    assert CAP == len(done)
    assert sorted(set(accounts) - set(done)) == capped
    revoked = _query(pg_url, tmp_path, "SELECT account FROM revocations WHERE state = 'revoked'")
    assert done == sorted(r[0] for r in revoked)
    printed = [len(inst.alerts()) for inst in instances]
    assert [ACCOUNTS_PER_PARTITION] * 3 == printed  # each consumer saw only its partition
    verify = subprocess.run(
        [sys.executable, "-m", "logward", "audit", "verify", "--store", pg_url,
         "--data-dir", str(tmp_path / "reader")],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert 0 == verify.returncode, verify.stdout + verify.stderr
