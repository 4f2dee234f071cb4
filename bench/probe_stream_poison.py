"""Poison-record probe (issue 11): the sidecar for 30 s over 200 good records and one
5 MB random record, at-least-once, against a real Tansu broker.

Prints clean records written (and distinct), quarantine records and the committed
offset. Run: ``.venv/bin/python -m bench.probe_stream_poison``. Not part of
``make bench``: it measures behaviour (counts), not speed.
"""

import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from logward.stream import StreamRunner, load_config, run_stream
from tests._services import start_kafka
from tests.logward.stream._helpers import create_topics, make_scrubber, read_all
from tests.logward.stream._sidecar import SEAL_KEY


def main() -> None:
    """Run the probe once and print the counts."""
    tmp = Path(tempfile.mkdtemp())
    (tmp / "k").mkdir()
    broker = start_kafka(tmp / "k")
    try:
        b = broker.bootstrap
        raw, out, quar, g = (f"{p}-{uuid.uuid4().hex[:6]}" for p in ("raw", "out", "quar", "g"))
        create_topics(b, [raw, out, quar])
        p = KafkaProducer(bootstrap_servers=b, max_request_size=16_000_000)
        for i in range(100):
            p.send(raw, value=f"good {i} alice@example.com".encode())
        p.send(raw, value=os.urandom(5_000_000))
        for i in range(100, 200):
            p.send(raw, value=f"good {i} alice@example.com".encode())
        p.flush()
        p.close()
        key = tmp / "seal.key"
        key.write_text(SEAL_KEY)
        key.chmod(0o600)
        flags = {
            "bootstrap_servers": b,
            "input_topic": [raw],
            "output_topic": out,
            "quarantine_topic": quar,
            "group_id": g,
            "data_dir": str(tmp / "d"),
            "session_timeout_ms": 6000,
            "heartbeat_interval_ms": 1000,
            "max_poll_interval_ms": 3000,
            "seal_key_file": str(key),
            "batch_size": 500,
        }
        runners: list[StreamRunner] = []
        t = threading.Thread(
            target=run_stream,
            args=(load_config(flags, env={}), make_scrubber()),
            kwargs={"install_signals": False, "on_start": runners.append},
        )
        t.start()
        time.sleep(30)
        runners[0].request_stop()
        t.join(60)
        clean = read_all(b, out, 10**9, timeout=5, committed=False)
        sealed = read_all(b, quar, 10**9, timeout=5, committed=False)
        c = KafkaConsumer(bootstrap_servers=b, group_id=g)
        committed = c.committed(TopicPartition(raw, 0))
        c.close(autocommit=False)
        ids = [dict(m.headers)["logward-source"].decode() for m in clean]
        print(
            f"good=200 clean_written={len(clean)} distinct={len(set(ids))}"
            f" quarantined={len(sealed)} committed_offset={committed} (of 201)"
        )
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
