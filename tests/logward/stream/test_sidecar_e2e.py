"""``logward stream`` as a real subprocess against the real broker and server."""

from __future__ import annotations

import json

import pytest

from tests.logward.stream._helpers import PII_VALUES, assert_no_pii, create_topics, read_all
from tests.logward.stream._sidecar import source_ids, start_sidecar, unique, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.elasticsearch]


def produce(bootstrap, topic, records):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for rec in records:
        producer.send(topic, **rec)
    producer.flush()
    producer.close()


def es_docs(url, index):
    from elasticsearch import Elasticsearch

    client = Elasticsearch(url)
    try:
        client.indices.refresh(index=index)
        hits = client.search(index=index, size=1000, query={"match_all": {}})["hits"]["hits"]
        return {h["_id"]: h["_source"] for h in hits}
    except Exception:
        return {}
    finally:
        client.close()


def test_pii_never_reaches_either_output(kafka_broker, es_server, tmp_path):
    """Text, JSON fields, keys and headers come out scrubbed in Kafka and Elasticsearch;
    bad records are sealed in the quarantine; every offset lands in exactly one place."""
    raw, out, quar, index = unique("raw"), unique("clean"), unique("quar"), unique("logs")
    create_topics(kafka_broker.bootstrap, [raw, out, quar], partitions=2)
    email, other, phone = PII_VALUES
    good = []
    for i in range(12):
        good.append(
            {
                "value": f"login ok for {email} from {phone} #{i}".encode(),
                "key": email.encode(),
                "headers": [("x-user", other.encode())],
                "partition": i % 2,
            }
        )
        doc = {
            "message": f"reset for {other}",
            "user": {"email": email},
            "password": "hunter2",
            "n": i,
            "nested": [{"phone": phone}],
        }
        good.append({"value": json.dumps(doc).encode(), "partition": i % 2})
    bad = [
        {"value": b"\xff\xfe not utf-8 " + email.encode(), "partition": 0},
        {"value": b'{"user": "' + email.encode(), "partition": 1},
        {"value": b"x" * 5000 + email.encode(), "partition": 0},
    ]
    produce(kafka_broker.bootstrap, raw, good + bad)
    car = start_sidecar(
        tmp_path,
        kafka_broker.bootstrap,
        "--input-topic",
        raw,
        "--group-id",
        unique("g"),
        "--output-topic",
        out,
        "--quarantine-topic",
        quar,
        "--es-url",
        es_server.url,
        "--es-index",
        index,
        "--max-record-bytes",
        "4096",
    )
    try:
        clean = read_all(kafka_broker.bootstrap, out, len(good), timeout=30)
        sealed = read_all(kafka_broker.bootstrap, quar, len(bad), timeout=15)
        assert wait_until(lambda: len(es_docs(es_server.url, index)) >= len(good), 15)
        status, body = car.get("/healthz")
        assert 200 == status
        assert '"status": "running"' in body
        assert len(good) == car.metric("logward_stream_records_out_total")
        assert len(bad) == car.metric("logward_stream_records_quarantined_total")
        assert car.metric("logward_stream_redactions_total") > 0
        assert 0 == car.terminate()
    finally:
        car.stop()
    docs = es_docs(es_server.url, index)
    for m in clean:
        assert_no_pii(m.value)
        assert_no_pii(m.key)
        for _, v in m.headers:
            assert_no_pii(v)
    assert_no_pii(json.dumps(docs))
    for m in sealed:
        assert_no_pii(m.value)
        for _, v in m.headers:
            assert_no_pii(v)
    assert_no_pii(car.logs())
    # conservation: each input offset in exactly one of clean / quarantine
    clean_ids = source_ids(clean)
    sealed_ids = [dict(m.headers)["logward-source-offset"].decode() for m in sealed]
    assert len(good) == len(set(clean_ids))
    assert len(bad) == len(sealed_ids)
    assert set(clean_ids) == set(docs)
    assert {"ParseError"} == {dict(m.headers)["logward-error-class"].decode() for m in sealed}
    sample = next(d for d in docs.values() if "user" in d)
    assert {"email": "<EMAIL_ADDRESS>"} == sample["user"]
    assert "<PASSWORD>" == sample["password"]
    assert sample["logward"]["redactions"]["EMAIL_ADDRESS"] >= 2


def test_refuses_to_start_without_seal_key(kafka_broker, tmp_path):
    """Without a quarantine key the sidecar exits 2 with a clear message."""
    import os
    import subprocess

    from tests.logward.stream._sidecar import LOGWARD, RULES

    env = {k: v for k, v in os.environ.items() if k != "LOGWARD_SEAL_KEY"}
    done = subprocess.run(
        [
            LOGWARD,
            "stream",
            "--bootstrap-servers",
            kafka_broker.bootstrap,
            "--input-topic",
            "a",
            "--output-topic",
            "b",
            "--quarantine-topic",
            "q",
            "--rules",
            RULES,
        ],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert 2 == done.returncode
    assert b"no quarantine key" in done.stderr


def test_invalid_rule_refused_at_start(tmp_path):
    """A broken rule file stops the sidecar before it consumes, naming file, rule and field."""
    import os
    import subprocess

    from tests.logward.stream._sidecar import LOGWARD, SEAL_KEY

    pii = tmp_path / "rules" / "pii"
    pii.mkdir(parents=True)
    (pii / "bad.yaml").write_text(
        "name: bad\ntype: pattern\nentity: EMAIL_ADDRESS\npatterns:\n  - {regex: '(', score: 0.9}\n"
    )
    done = subprocess.run(
        [LOGWARD, "stream", "--bootstrap-servers", "127.0.0.1:1", "--input-topic", "a",
         "--output-topic", "b", "--quarantine-topic", "q", "--rules", str(tmp_path / "rules")],
        env={**os.environ, "LOGWARD_SEAL_KEY": SEAL_KEY}, capture_output=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert 2 == done.returncode
    assert b"bad.yaml" in done.stderr
    assert b"rule 'bad'" in done.stderr
