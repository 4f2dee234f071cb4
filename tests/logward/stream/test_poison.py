"""A poison record (too large to seal whole) against the real broker: it is quarantined
as size, SHA-256 and first bytes; good records of its batch are written once; offsets
are committed and the stream moves on, in both delivery modes."""

from __future__ import annotations

import base64
import hashlib
import os
import threading

import pytest

from logward.stream import (
    HEAD_BYTES,
    TRUNCATED_CLASS,
    StreamRunner,
    load_config,
    open_entry,
    read_entry,
    run_stream,
)
from scrubber import Sealer
from tests.logward.stream._helpers import create_topics, make_scrubber, read_all
from tests.logward.stream._sidecar import SEAL_KEY, source_ids, unique, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

MB = 1_000_000
# incompressible, text (base64) and binary; the first pair just over the 1 MiB input
# limit (sealed whole), the others larger than the producer's limit (sealed truncated)
SIZES = (1_048_577, 3 * MB, 10 * MB)


def _poison() -> list[bytes]:
    out = []
    for size in SIZES:
        out.append(os.urandom(size))
        out.append(base64.b64encode(os.urandom(size))[:size])
    return out


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=16 * MB)
    try:
        for value in values:
            producer.send(topic, value=value)
        producer.flush()
    finally:
        producer.close()


def _committed(bootstrap: str, group: str, topic: str) -> int | None:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    try:
        offset: int | None = consumer.committed(TopicPartition(topic, 0))
        return offset
    finally:
        consumer.close(autocommit=False)


@pytest.mark.parametrize("exactly_once", [False, True], ids=["at-least-once", "exactly-once"])
def test_poison_record_quarantined_truncated_and_stream_moves_on(
    kafka_broker, tmp_path, exactly_once
):
    """Each good record once in clean, each poison once in quarantine, offsets committed."""
    bootstrap = kafka_broker.bootstrap
    raw, out, quar, group = unique("raw"), unique("clean"), unique("quar"), unique("g")
    create_topics(bootstrap, [raw, out, quar])
    poison = _poison()
    values: list[bytes] = []
    for i, bad in enumerate(poison):
        values += [f"good {i}-{j} alice@example.com".encode() for j in range(5)] + [bad]
    _produce(bootstrap, raw, values)
    key_file = tmp_path / "seal.key"
    key_file.write_text(SEAL_KEY)
    key_file.chmod(0o600)
    flags = {
        "bootstrap_servers": bootstrap,
        "input_topic": [raw],
        "output_topic": out,
        "quarantine_topic": quar,
        "group_id": group,
        "data_dir": str(tmp_path / "data"),
        "session_timeout_ms": 6000,
        "heartbeat_interval_ms": 1000,
        "max_poll_interval_ms": 3000,
        "seal_key_file": str(key_file),
        "exactly_once": exactly_once,
    }
    runners: list[StreamRunner] = []
    thread = threading.Thread(
        target=run_stream,
        args=(load_config(flags, env={}), make_scrubber()),
        kwargs={"install_signals": False, "on_start": runners.append},
    )
    thread.start()
    good = len(values) - len(poison)
    try:
        clean = read_all(bootstrap, out, good, timeout=90)
        sealed = read_all(bootstrap, quar, len(poison), timeout=60)
        # the stream moves on: records produced after the poison flow through
        _produce(bootstrap, raw, [b"after the poison bob.smith@corp.example"])
        clean = read_all(bootstrap, out, good + 1, timeout=30)
        assert wait_until(lambda: len(values) + 1 == _committed(bootstrap, group, raw), 30)
        metrics = runners[0].metrics
    finally:
        assert wait_until(lambda: bool(runners), 10)
        runners[0].request_stop()
        thread.join(60)
    assert not thread.is_alive()
    ids = source_ids(clean)
    poison_offsets = {i * 6 + 5 for i in range(len(poison))}
    expected = [f"{raw}-0-{o}" for o in range(len(values) + 1) if o not in poison_offsets]
    assert expected == ids
    sealer = Sealer(base64.b64decode(SEAL_KEY))
    entries = sorted((read_entry(m.value, m.headers) for m in sealed), key=lambda e: e.offset)
    assert sorted(poison_offsets) == [e.offset for e in entries]
    truncated = 0
    for entry, original in zip(entries, poison, strict=True):
        record = open_entry(sealer, entry)
        if entry.error_class == TRUNCATED_CLASS:
            truncated += 1
            assert original[:HEAD_BYTES] == record.value
            assert hashlib.sha256(original).hexdigest() in entry.error
            assert f"{len(original)} bytes" in entry.error
        else:
            assert original == record.value
    assert 4 == truncated
    assert 4.0 == metrics.quarantine_truncated._value.get()
