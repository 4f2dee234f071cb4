"""A rule failing at run time: the record is sealed, the pipeline keeps going, and
``logward quarantine inspect`` / ``replay`` work on what was sealed (real broker)."""

from __future__ import annotations

import json
import threading

import pytest

from logward.cli import main
from logward.stream import StreamRunner, load_config, run_stream
from monitor import AuditLog, open_store
from tests.logward.stream._helpers import assert_no_pii, create_topics, make_scrubber, read_all
from tests.logward.stream._sidecar import RULES, SEAL_KEY, source_ids, unique, wait_until
from tests.logward.stream.test_sidecar_e2e import produce

pytestmark = [pytest.mark.integration, pytest.mark.kafka]


@pytest.fixture(scope="module")
def sealed_topic(kafka_broker, tmp_path_factory):
    """Run the sidecar in-process with a broken rule over mixed records; return topics.

    Module-scoped to start the group once; the tests below run in file order
    (replay, which adds to the output topic, comes last).
    """
    tmp_path = tmp_path_factory.mktemp("quarantine")
    key_file = tmp_path / "seal.key"
    key_file.write_text(SEAL_KEY)
    key_file.chmod(0o600)
    raw, out, quar = unique("raw"), unique("clean"), unique("quar")
    create_topics(kafka_broker.bootstrap, [raw, out, quar])
    produce(
        kafka_broker.bootstrap,
        raw,
        [
            {"value": b"first alice@example.com"},
            {"value": b"BOOM-RULE hits alice@example.com"},
            {"value": b'{"not": json alice@example.com'},
            {"value": b"after the failures bob.smith@corp.example"},
        ],
    )
    flags = {
        "bootstrap_servers": kafka_broker.bootstrap,
        "input_topic": [raw],
        "output_topic": out,
        "quarantine_topic": quar,
        "group_id": unique("g"),
        "data_dir": str(tmp_path / "data"),
        "session_timeout_ms": 6000,
        "heartbeat_interval_ms": 1000,
        "max_poll_interval_ms": 3000,
        "seal_key_file": str(key_file),
    }
    runners: list[StreamRunner] = []
    thread = threading.Thread(
        target=run_stream,
        args=(load_config(flags, env={}), make_scrubber()),
        kwargs={"install_signals": False, "on_start": runners.append},
    )
    thread.start()
    try:
        clean = read_all(kafka_broker.bootstrap, out, 2, timeout=30)
        sealed = read_all(kafka_broker.bootstrap, quar, 2, timeout=10)
    finally:
        assert wait_until(lambda: bool(runners), 10)
        runners[0].request_stop()
        thread.join(30)
    assert not thread.is_alive()
    return {
        "raw": raw,
        "out": out,
        "quar": quar,
        "clean": clean,
        "sealed": sealed,
        "data": tmp_path / "data",
        "bootstrap": kafka_broker.bootstrap,
        "key": ["--seal-key-file", str(key_file)],
    }


def test_rule_error_quarantined_pipeline_continues(sealed_topic):
    """The failing record and the malformed one are sealed; records after them flow."""
    t = sealed_topic
    assert [f"{t['raw']}-0-0", f"{t['raw']}-0-3"] == source_ids(t["clean"])
    classes = sorted(dict(m.headers)["logward-error-class"].decode() for m in t["sealed"])
    assert ["ParseError", "ScrubFailed"] == classes
    for m in t["clean"] + t["sealed"]:
        assert_no_pii(m.value)
    conn = open_store(t["data"])
    rows = dict(conn.execute("SELECT entity, SUM(count) FROM scrub_stats GROUP BY entity"))
    assert {"_records": 4, "_quarantined": 2, "EMAIL_ADDRESS": 2} == rows


def test_inspect_shows_metadata_never_payload(sealed_topic, capsys):
    """inspect prints counts and metadata; the payload stays sealed."""
    t = sealed_topic
    rc = main(
        [
            "quarantine",
            "inspect",
            "--bootstrap-servers",
            t["bootstrap"],
            "--quarantine-topic",
            t["quar"],
            *t["key"],
        ]
    )  # no --input-topic: inspect reads only the quarantine topic
    out = capsys.readouterr().out
    assert 0 == rc
    assert "2 quarantined records" in out
    assert "error class ScrubFailed: 1" in out
    assert_no_pii(out)


def test_reveal_needs_reason_and_is_audited(sealed_topic, capsys):
    """--reveal without --reason is refused; with one it is written to the audit log first."""
    t = sealed_topic
    base = [
        "quarantine",
        "inspect",
        "--bootstrap-servers",
        t["bootstrap"],
        "--quarantine-topic",
        t["quar"],
        "--input-topic",
        t["raw"],
        "--data-dir",
        str(t["data"]),
        "--reveal",
        *t["key"],
    ]
    assert 2 == main(base)
    assert 0 == main([*base, "--reason", "INC-42 asked by alice@example.com"])
    out = capsys.readouterr().out
    assert "BOOM-RULE hits alice@example.com" in out
    entries = list(AuditLog(open_store(t["data"])).entries())
    assert ["quarantine_reveal"] == [e.action for e in entries]
    assert "INC-42 asked by <EMAIL_ADDRESS>" == entries[0].detail["reason"]
    assert 2 == entries[0].detail["records"]


def test_inspect_with_wrong_key_reports_unopened(sealed_topic, tmp_path, capsys):
    """With a different key, inspect says the records do not open and exits 1."""
    t = sealed_topic
    other = tmp_path / "other.key"
    other.write_text("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")
    other.chmod(0o600)
    rc = main(
        [
            "quarantine",
            "inspect",
            "--bootstrap-servers",
            t["bootstrap"],
            "--quarantine-topic",
            t["quar"],
            "--input-topic",
            t["raw"],
            "--seal-key-file",
            str(other),
        ]
    )
    assert 1 == rc
    assert "does not open" in capsys.readouterr().out


def test_replay_sends_now_clean_records(sealed_topic, capsys):
    """After the rule is fixed, replay re-scrubs sealed records and sends clean ones on."""
    t = sealed_topic
    rc = main(
        [
            "quarantine",
            "replay",
            "--bootstrap-servers",
            t["bootstrap"],
            "--quarantine-topic",
            t["quar"],
            "--input-topic",
            t["raw"],
            "--output-topic",
            t["out"],
            "--rules",
            RULES,
            *t["key"],
        ]
    )
    assert 0 == rc
    assert "replayed 2: 1 sent clean, 1 still failing" in capsys.readouterr().out
    clean = read_all(t["bootstrap"], t["out"], 3, timeout=15)
    assert f"{t['raw']}-0-1" == source_ids(clean)[-1]
    assert b"BOOM-RULE hits <EMAIL_ADDRESS>" == clean[-1].value
    assert {"EMAIL_ADDRESS": 1} == json.loads(dict(clean[-1].headers)["logward-redactions"])
