"""A Kafka rebalance during a PostgreSQL store outage loses nothing (real broker, real server).

The scenarios of ``test_handover.py`` run on PostgreSQL too; this one needs
the server itself: it is stopped between a kill -9 and the rebalance that
follows, so the survivor's revocation flush and its claim of the dead
member's partition wait for the store, and go on once it is back.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._services import PostgresServer
from tests.monitor.test_handover import (
    ATTACKER,
    QUIET,
    Instance,
    Rig,
    _assert_one_alert_one_revocation,
    _until,
)

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

QUIET_CHECKPOINTS = ("--checkpoint-seconds", "3600")  # store writes only at rebalances and exit


def _partition_of(key: bytes) -> int:
    """The partition kafka-python's default partitioner picks for ``key`` (2 partitions)."""
    from kafka.partitioner.default import murmur2

    return int(murmur2(key) & 0x7FFFFFFF) % 2


@pytest.fixture
def pg_rig(
    kafka_broker: Any, tmp_path: Path, pg_url: str, pg_server: PostgresServer
) -> Iterator[Rig]:
    """A rig on PostgreSQL; the server is running again and every instance stopped afterwards."""
    r = Rig(kafka_broker, tmp_path, pg_url)
    try:
        yield r
    finally:
        if not (pg_server.workdir / "data" / "postmaster.pid").exists():
            pg_server.start()
        for inst in r.instances:
            inst.stop()


def _owners(rig: Rig) -> dict[int, str]:
    return {int(p): str(o) for p, o in rig.query("SELECT part, owner FROM partition_offsets")}


@pytest.mark.timeout(300)
def test_rebalance_during_store_outage_loses_nothing(pg_rig: Rig, pg_server: PostgresServer):
    """Store down across kill -9 + rebalance: the survivor waits, then alerts exactly once."""
    rig = pg_rig
    a = rig.start("a", *QUIET_CHECKPOINTS)
    _until(lambda: a.assigned() == [0, 1], 40, "A to own both partitions")
    rig.feed({ATTACKER: 4, QUIET: 2})
    b = rig.start("b", *QUIET_CHECKPOINTS)
    _until(lambda: b.assigned() and a.assigned() not in (None, [0, 1]), 40, "a 1 + 1 split")
    # A's revocation flush at B's join stored the first part; both claims are in.
    _until(lambda: rig.checkpointed() == rig.sent, 30, "A's flush of the first part")
    host = socket.gethostname()
    members: dict[str, Instance] = {f"{host}:{a.proc.pid}": a, f"{host}:{b.proc.pid}": b}

    def claimed() -> bool:
        owners = _owners(rig)
        return all(
            owners.get(p) in members and p in (members[owners[p]].assigned() or []) for p in (0, 1)
        )

    _until(claimed, 30, "each partition claimed by its new owner")
    owners = _owners(rig)
    victim = members[owners[_partition_of(ATTACKER.encode())]]
    survivor = b if victim is a else a
    pg_server.stop()
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(10)
    rig.feed({ATTACKER: 3, QUIET: 2})
    # The survivor's only store access is the flush of the rebalance the kill causes.
    _until(lambda: "unreachable" in survivor.err.read_text(), 60, "the survivor to wait")
    assert survivor.proc.poll() is None, survivor.err.read_text()
    pg_server.start()
    _until(lambda: survivor.assigned() == [0, 1], 60, "the survivor to own both partitions")
    _until(survivor.alerts, 60, "the alert")
    survivor.stop()  # a clean end checkpoints the second part
    assert 0 == survivor.proc.returncode, survivor.err.read_text()
    assert rig.sent == rig.checkpointed()
    _assert_one_alert_one_revocation(rig)
