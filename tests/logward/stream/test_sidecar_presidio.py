"""``logward stream`` runs a team's Presidio recognizers (a ``type: presidio`` rule)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.logward.stream._helpers import create_topics, read_all
from tests.logward.stream._sidecar import RULES, start_sidecar, unique

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

RECOGNIZERS = Path(__file__).parents[2] / "detectors" / "presidio" / "recognizers" / "employee.yaml"


def test_presidio_recognizer_scrubs_records_in_the_sidecar(kafka_broker, tmp_path):
    """Employee ids found by a Presidio YAML recognizer never reach the clean topic."""
    from kafka import KafkaProducer

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "pii" / "in_house.yaml").write_text(
        f"name: in_house\ntype: presidio\nrecognizers: ['{RECOGNIZERS}']\n"
    )
    raw, out, quar = unique("raw"), unique("clean"), unique("quar")
    create_topics(kafka_broker.bootstrap, [raw, out, quar])
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    ids = [f"EMP-{100000 + i}" for i in range(5)]
    for emp in ids:
        producer.send(raw, value=f"employee {emp} badge scanned".encode())
    producer.flush()
    producer.close()
    car = start_sidecar(
        tmp_path,
        kafka_broker.bootstrap,
        "--rules",
        str(rules),
        "--input-topic",
        raw,
        "--group-id",
        unique("g"),
        "--output-topic",
        out,
        "--quarantine-topic",
        quar,
    )
    try:
        clean = read_all(kafka_broker.bootstrap, out, len(ids), timeout=30)
        assert 0 == car.terminate()
    finally:
        car.stop()
    values = sorted(m.value.decode() for m in clean)
    assert ["employee <EMPLOYEE_ID> badge scanned"] * len(ids) == values
    for emp in ids:
        assert emp not in car.logs()
