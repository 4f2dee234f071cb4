"""Elasticsearch down for a while: fetching pauses, nothing is lost or leaked, lag recovers."""

from __future__ import annotations

import json

import pytest

from tests._services import start_elastic
from tests.logward.stream._helpers import assert_no_pii, create_topics
from tests.logward.stream._sidecar import start_sidecar, unique, wait_until
from tests.logward.stream.test_sidecar_e2e import es_docs, produce

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.elasticsearch]


def records(start, n):
    return [
        {
            "value": json.dumps({"message": f"#{i} user alice@example.com"}).encode(),
            "partition": i % 2,
        }
        for i in range(start, start + n)
    ]


def test_es_outage_pauses_then_recovers(kafka_broker, tmp_path):
    """While the server is down nothing is committed or dropped; afterwards all arrive once."""
    server = start_elastic(tmp_path / "es")
    raw, quar, index = unique("raw"), unique("quar"), unique("logs")
    create_topics(kafka_broker.bootstrap, [raw, quar], partitions=2)
    car = start_sidecar(
        tmp_path,
        kafka_broker.bootstrap,
        "--input-topic",
        raw,
        "--group-id",
        unique("g"),
        "--quarantine-topic",
        quar,
        "--es-url",
        server.url,
        "--es-index",
        index,
    )
    try:
        produce(kafka_broker.bootstrap, raw, records(0, 40))
        assert wait_until(lambda: len(es_docs(server.url, index)) == 40, 30)
        port = server.port
        server.stop()
        produce(kafka_broker.bootstrap, raw, records(40, 60))
        assert wait_until(lambda: car.get("/healthz")[0] == 503, 20)
        assert wait_until(lambda: car.metric("logward_stream_backpressure_pauses_total") >= 3, 20)
        assert car.proc.poll() is None
        server = start_elastic(tmp_path / "es", port=port)
        assert wait_until(lambda: len(es_docs(server.url, index)) == 100, 40)
        assert wait_until(lambda: car.get("/healthz")[0] == 200, 10)
        assert wait_until(lambda: car.metric("logward_stream_consumer_lag") == 0, 10)
        assert 0 == car.terminate()
        docs = es_docs(server.url, index)
    finally:
        car.stop()
        server.stop()
    assert {f"{raw}-{i % 2}-{i // 2}" for i in range(100)} == set(docs)
    assert_no_pii(json.dumps(docs))
    assert_no_pii(car.logs())
    assert all(d["message"].endswith("user <EMAIL_ADDRESS>") for d in docs.values())
