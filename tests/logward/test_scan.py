"""``logward scan``: finds PII that got through, reports counts and locations only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from logward.scan import file_items, kafka_items, scan_items
from scrubber import load_scrubber

SECRET_EMAIL = "jane.roe@example.org"


@pytest.fixture(scope="module")
def pattern_scrubber():
    return load_scrubber()


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "stored.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_scrubbed_lines_and_placeholders_are_clean(tmp_path, pattern_scrubber):
    """Already-scrubbed text and JSON placeholders under PII keys count as clean."""
    path = _write(
        tmp_path,
        [
            "order ord-1 placed by <PERSON> <EMAIL_ADDRESS>",
            json.dumps({"email": "<EMAIL_ADDRESS>", "phone": "<PHONE_NUMBER>", "status": 200}),
            "GET /api/v1/orders 200 12ms",
        ],
    )
    report = scan_items(pattern_scrubber, file_items([path]))
    assert 3 == report.items
    assert report.clean


def test_leaks_are_counted_by_location_and_entity(tmp_path, pattern_scrubber):
    """Raw PII in text, in JSON values and under PII key names is reported where it is."""
    path = _write(
        tmp_path,
        [
            "nothing here",
            f"mail sent to {SECRET_EMAIL} card 4111 1111 1111 1111",
            json.dumps({"customer_name": "Jane Roe", "note": "ok"}),
        ],
    )
    report = scan_items(pattern_scrubber, file_items([path]))
    assert 2 == report.items_with_pii
    assert {"EMAIL_ADDRESS": 1, "CREDIT_CARD": 1} == dict(report.locations[f"{path}:2"])
    assert "PERSON" in report.locations[f"{path}:3"]


def test_cli_exit_status_and_no_values_printed(tmp_path):
    """The CLI exits 1 on findings, 0 when clean, and never prints the values found."""
    leaky = _write(tmp_path, [f"contact {SECRET_EMAIL}"])
    result = subprocess.run(
        [sys.executable, "-m", "logward", "scan", "--no-ner", "--json", str(leaky)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 1 == result.returncode
    assert SECRET_EMAIL not in result.stdout + result.stderr
    assert {"EMAIL_ADDRESS": 1} == json.loads(result.stdout)["by_entity"]
    clean = tmp_path / "clean.log"
    clean.write_text("all good\n", encoding="utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "logward", "scan", "--no-ner", str(clean)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == ok.returncode
    assert "clean" in ok.stdout


def test_cli_rejects_ambiguous_sources(tmp_path):
    """Files and --es together are a usage error with a clear message."""
    result = subprocess.run(
        [sys.executable, "-m", "logward", "scan", "--es", "http://127.0.0.1:1", "x.log"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 2 == result.returncode
    assert "scan: give FILE" in result.stderr


@pytest.mark.integration
@pytest.mark.kafka
def test_kafka_topic_is_scanned_values_keys_and_headers(kafka_broker, pattern_scrubber):
    """Records in a real Kafka topic are scanned, including keys and headers."""
    from kafka import KafkaProducer

    topic = "scan-test"
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    producer.send(topic, b"clean record")
    producer.send(topic, b"x", key=SECRET_EMAIL.encode())
    producer.send(topic, b"y", headers=[("h", b"card 4111 1111 1111 1111")])
    producer.flush()
    producer.close()
    report = scan_items(pattern_scrubber, kafka_items(kafka_broker.bootstrap, topic))
    assert {"EMAIL_ADDRESS": 1, "CREDIT_CARD": 1} == dict(report.by_entity)
    assert 2 == len(report.locations)
    assert all(loc.startswith(f"{topic}/") for loc in report.locations)


@pytest.mark.integration
@pytest.mark.elasticsearch
def test_elasticsearch_index_is_scanned(es_server, pattern_scrubber):
    """Documents in a real Elasticsearch-compatible index are scanned by id."""
    from elasticsearch import Elasticsearch

    from logward.scan import es_items

    client = Elasticsearch(es_server.url)
    client.index(index="scan-test", id="a", document={"message": "fine"}, refresh=True)
    client.index(
        index="scan-test", id="b", document={"message": f"to {SECRET_EMAIL}"}, refresh=True
    )
    client.close()
    report = scan_items(pattern_scrubber, es_items(es_server.url, "scan-*"))
    assert 2 == report.items
    assert {"scan-test/b"} == set(report.locations)
