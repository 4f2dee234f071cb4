"""``--workers N``: scrubbing in worker processes, same output, nothing lost."""

from __future__ import annotations

import json
import os
import signal

import pytest

from logward.stream import CleanRecord, InRecord, Processor, ScrubPool, WorkerSettings, load_config
from logward_base.errors import ConfigError
from scrubber import load_scrubber
from tests.logward.stream._helpers import PII_VALUES, assert_no_pii, create_topics, read_all
from tests.logward.stream._sidecar import RULES, source_ids, start_sidecar, unique

EMAIL, OTHER, PHONE = PII_VALUES


def _batch(n: int) -> list[InRecord]:
    out = []
    for i in range(n):
        if i % 2:
            value = json.dumps({"user": {"email": EMAIL}, "msg": f"call {PHONE}", "n": i}).encode()
        else:
            value = f"reset for {OTHER} #{i}".encode()
        out.append(InRecord("raw", i % 3, i, EMAIL.encode(), value, (("h", OTHER.encode()),)))
    return out


@pytest.fixture(scope="module")
def pool():
    settings = WorkerSettings(RULES, False, None, 1_048_576, False)
    fallback = Processor(load_scrubber(RULES), documents=False)
    pool = ScrubPool(1, settings, fallback)
    yield pool, fallback
    pool.close()


def test_workers_give_the_same_outcomes_as_inline(pool):
    """A batch scrubbed by a worker process equals the same batch scrubbed in-process."""
    scrub_pool, inline = pool
    batch = _batch(20)
    expected = inline.process(batch)
    got = scrub_pool.result(scrub_pool.submit(batch), batch)
    assert [(o.key, o.value, o.headers) for o in expected if isinstance(o, CleanRecord)] == [
        (o.key, o.value, o.headers) for o in got if isinstance(o, CleanRecord)
    ]
    assert 20 == len(got)
    for o in got:
        assert isinstance(o, CleanRecord)
        assert_no_pii(o.value)


def test_a_dead_worker_falls_back_to_in_process_scrubbing():
    """If a worker dies, the batch is scrubbed in the main process: nothing lost, no PII."""
    settings = WorkerSettings(RULES, False, None, 1_048_576, False)
    fallback = Processor(load_scrubber(RULES), documents=False)
    scrub_pool = ScrubPool(1, settings, fallback)
    try:
        assert scrub_pool._pool is not None
        for pid in list(scrub_pool._pool._processes):
            os.kill(pid, signal.SIGKILL)
        batch = _batch(6)
        got = scrub_pool.result(scrub_pool.submit(batch), batch)
        assert 6 == len(got)
        for o in got:
            assert isinstance(o, CleanRecord)
            assert_no_pii(o.value)
        assert scrub_pool._pool is None  # later batches stay in-process
    finally:
        scrub_pool.close()


def test_workers_setting_is_validated():
    """--workers must be between 0 and 64."""
    flags = {"bootstrap_servers": "x:1", "input_topic": ["a"], "quarantine_topic": "q"}
    with pytest.raises(ConfigError, match="--workers"):
        load_config({**flags, "output_topic": "o", "workers": 65}, env={})
    assert 2 == load_config({**flags, "output_topic": "o", "workers": 2}, env={}).workers


@pytest.mark.integration
@pytest.mark.kafka
def test_sidecar_with_workers_scrubs_everything_once(kafka_broker, tmp_path):
    """With two scrub workers every record comes out once, scrubbed, and the stop is clean."""
    raw, out, quar = unique("raw"), unique("clean"), unique("quar")
    create_topics(kafka_broker.bootstrap, [raw, out, quar], partitions=2)
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    for rec in _batch(300):
        producer.send(raw, value=rec.value, key=rec.key, headers=list(rec.headers))
    producer.flush()
    producer.close()
    car = start_sidecar(
        tmp_path,
        kafka_broker.bootstrap,
        "--input-topic", raw, "--group-id", unique("g"), "--output-topic", out,
        "--quarantine-topic", quar, "--workers", "2",
    )  # fmt: skip
    try:
        clean = read_all(kafka_broker.bootstrap, out, 300, timeout=40)
        assert 0 == car.terminate()
    finally:
        car.stop()
    assert 300 == len(set(source_ids(clean)))
    for m in clean:
        assert_no_pii(m.value)
        assert_no_pii(m.key)
        for _, v in m.headers:
            assert_no_pii(v)
    assert_no_pii(car.logs())
