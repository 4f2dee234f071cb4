"""Window state handover between monitor instances: real broker, real processes, one store.

Two ``logward monitor run`` processes in one consumer group share one store:
every scenario runs on the SQLCipher file and on a real PostgreSQL 15
(``--store postgresql://...``). An attack is split across a kill -9 and a
rebalance; it must alert exactly once, and a source below the threshold over
both parts must never alert.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor import STORE_ERRORS, open_store

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

GROUP = ["--session-timeout-ms", "6000", "--heartbeat-interval-ms", "1000",
         "--max-poll-interval-ms", "3000"]  # fmt: skip
THRESHOLD = 6
RULE = f"""name: handover-failed-logins
description: Failed logins against one account (test rule).
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
RESPONSES = """version: 1
revokers:
  embedded:
    type: sqlite
responses:
  - name: revoke
    match:
      rule: handover-failed-logins
    actions:
      - type: revoke_account
        revoker: embedded
"""
ATTACKER, QUIET = "alice", "bob"  # alice: 4 + 3 failures (fires); bob: 2 + 2 (never)


def _line(ts: float, user: str, ip: str) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))
    return f"{stamp} bastion sshd[42]: Failed password for {user} from {ip} port 4242 ssh2"


def _until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy, or fail naming ``what``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


class Instance:
    """One ``logward monitor run`` subprocess with its output files."""

    def __init__(self, name: str, tmp: Path, argv: list[str]) -> None:
        self.out, self.err = tmp / f"{name}.out", tmp / f"{name}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "logward", "monitor", "run", *argv],
                stdout=out,
                stderr=err,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def assigned(self) -> list[int] | None:
        found = re.findall(r"assigned partitions \[([0-9, ]*)\]", self.err.read_text())
        return [int(x) for x in found[-1].split(",") if x.strip()] if found else None

    def alerts(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.out.read_text().splitlines() if x.startswith("{")]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Rig:
    """A topic with two partitions, a rules directory, a shared store and the instances."""

    def __init__(self, broker: Any, tmp: Path, url: str | None = None) -> None:
        from kafka.admin import KafkaAdminClient, NewTopic

        self.broker, self.tmp, self.url = broker, tmp, url
        self.topic, self.group = f"auth-{uuid.uuid4().hex[:8]}", f"mon-{uuid.uuid4().hex[:8]}"
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        admin.create_topics([NewTopic(self.topic, num_partitions=2, replication_factor=1)])
        admin.close()
        rules = tmp / "rules"
        (rules / "detections").mkdir(parents=True)
        (rules / "detections" / "handover.yaml").write_text(RULE)
        (rules / "responses.yaml").write_text(RESPONSES)
        self.store = tmp / "store"
        self.instances: list[Instance] = []
        self.sent = 0
        self.clock = float(int(time.time()))

    def start(self, name: str, *extra: str, keyed: bool = True) -> Instance:
        key = ["--key-field", "user.name"] if keyed else []
        if self.url is not None:
            key += ["--store", self.url]
        argv = ["--format", "sshd", "--kafka-bootstrap", self.broker.bootstrap,
                "--topic", self.topic, "--group-id", self.group, *key,
                "--rules", str(self.tmp / "rules"), "--data-dir", str(self.store), *GROUP,
                *extra]  # fmt: skip
        inst = Instance(name, self.tmp, argv)
        self.instances.append(inst)
        return inst

    def feed(self, counts: dict[str, int], *, spread: bool = False) -> None:
        """Produce failed logins keyed by account (or, ``spread``, over both partitions)."""
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=self.broker.bootstrap)
        for user, n in counts.items():
            for i in range(n):
                self.clock += 1.0
                line = _line(self.clock, user, "203.0.113.7")
                if spread:
                    producer.send(self.topic, value=line.encode(), partition=i % 2)
                else:
                    producer.send(self.topic, key=user.encode(), value=line.encode())
                self.sent += 1
        producer.flush()
        producer.close()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url is None and not (self.store / "monitor.db").exists():
            return []
        conn = open_store(self.store, store=self.url)
        try:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
        except STORE_ERRORS:  # not created yet: no instance has started its source
            return []
        finally:
            conn.close()

    def checkpointed(self) -> int:
        """Records reflected in the stored partition state (sum of next offsets)."""
        rows = self.query("SELECT next_offset FROM partition_offsets")
        return sum(max(int(r[0]), 0) for r in rows)

    def all_alerts(self) -> list[dict[str, Any]]:
        return [a for inst in self.instances for a in inst.alerts()]


@pytest.fixture(params=["sqlite", "postgresql"])
def rig(kafka_broker, tmp_path, request) -> Iterator[Rig]:
    """A fresh topic, group and store (SQLite file or PostgreSQL); instances stopped afterwards."""
    url = None if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    r = Rig(kafka_broker, tmp_path, url)
    try:
        yield r
    finally:
        for inst in r.instances:
            inst.stop()


def _assert_one_alert_one_revocation(rig: Rig) -> None:
    alerts = rig.query("SELECT rule, key_text FROM alerts")
    assert [("handover-failed-logins", f"user.name={ATTACKER}")] == alerts
    revokes = rig.query(
        "SELECT target, outcome FROM actions WHERE action = 'revoke_account' ORDER BY id"
    )
    assert [(ATTACKER, "done")] == revokes
    assert [(ATTACKER, "revoked")] == rig.query("SELECT account, state FROM revocations")
    printed = [a["keys"]["user.name"] for a in rig.all_alerts()]
    assert [ATTACKER] == printed
    assert [(rig.sent,)] == rig.query("SELECT COUNT(*) FROM events")


def test_state_handover_after_kill_9(rig):
    """A's half of an attack reaches B through the store: one alert, one revocation."""
    a = rig.start("a")
    _until(lambda: a.assigned() == [0, 1], 40, "A to own both partitions")
    rig.feed({ATTACKER: 4, QUIET: 2})
    _until(lambda: rig.checkpointed() == rig.sent, 30, "A to checkpoint the first part")
    b = rig.start("b")
    _until(b.assigned, 40, "B to join the group")
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    _until(lambda: b.assigned() == [0, 1], 40, "B to own both partitions after the kill")
    rig.feed({ATTACKER: 3, QUIET: 2})
    _until(lambda: rig.checkpointed() == rig.sent, 30, "B to checkpoint the second part")
    _until(rig.all_alerts, 10, "the alert")
    _assert_one_alert_one_revocation(rig)


def test_kill_9_after_alert_before_checkpoint_does_not_alert_twice(rig):
    """A fires and is killed before its checkpoint; B replays the records and does not re-fire."""
    a = rig.start("a", "--checkpoint-seconds", "3600")
    _until(lambda: a.assigned() == [0, 1], 40, "A to own both partitions")
    rig.feed({ATTACKER: 7, QUIET: 4})
    _until(a.alerts, 30, "A's alert")
    _until(lambda: rig.query("SELECT 1 FROM actions"), 10, "A's revocation")
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    assert 0 == rig.checkpointed()  # nothing of it was checkpointed: B replays everything
    b = rig.start("b")
    _until(lambda: b.assigned() == [0, 1], 40, "B to own both partitions")
    _until(lambda: rig.checkpointed() == rig.sent, 40, "B to replay and checkpoint")
    _assert_one_alert_one_revocation(rig)


def test_without_key_field_a_restarted_instance_resumes_every_partition(rig):
    """One engine over both partitions: its windows and both offsets survive a kill -9."""
    a = rig.start("a", keyed=False)
    _until(lambda: a.assigned() == [0, 1], 40, "A to own both partitions")
    rig.feed({ATTACKER: 4, QUIET: 2}, spread=True)
    _until(lambda: rig.checkpointed() == rig.sent, 30, "A to checkpoint the first part")
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    b = rig.start("b", keyed=False)
    _until(lambda: b.assigned() == [0, 1], 40, "B to own both partitions")
    rig.feed({ATTACKER: 3, QUIET: 2}, spread=True)
    _until(lambda: rig.checkpointed() == rig.sent, 30, "B to checkpoint the second part")
    _until(rig.all_alerts, 10, "the alert")
    _assert_one_alert_one_revocation(rig)
