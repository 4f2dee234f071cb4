"""The README's "adding a sink" example runs as written, against the real broker."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.logward.stream._helpers import create_topics, read_all
from tests.logward.stream._sidecar import unique

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### Extending the sidecar: adding a sink") :]
EXAMPLE = re.search(r"```python\n(.*?)```", SECTION, re.S)
PRINTED = re.search(r"It prints.*?\n\n((?:    [^\n]*\n)+)", SECTION, re.S)

pytestmark = [pytest.mark.integration, pytest.mark.kafka]


def test_readme_memory_sink_runs_through_the_deliverer(kafka_broker):
    """The toy sink is built from the registry and used by the Deliverer beside the Kafka sink."""
    assert EXAMPLE is not None
    assert PRINTED is not None
    raw, clean, quarantine = unique("raw"), unique("clean"), unique("quar")
    create_topics(kafka_broker.bootstrap, [raw, clean, quarantine])
    code = (
        EXAMPLE.group(1)
        .replace("127.0.0.1:9092", kafka_broker.bootstrap)
        .replace('"logs.raw"', repr(raw))
        .replace('"logs.clean"', repr(clean))
        .replace('"logs.quarantine"', repr(quarantine))
    )
    done = subprocess.run(
        [sys.executable, "-"], input=code, capture_output=True, text=True, timeout=120, check=False
    )
    assert 0 == done.returncode, done.stderr
    expected = "".join(line[4:] + "\n" for line in PRINTED.group(1).splitlines())
    assert expected == done.stdout
    assert [b"reset for <EMAIL_ADDRESS>"] == [
        m.value for m in read_all(kafka_broker.bootstrap, clean, 1)
    ]
    assert 1 == len(read_all(kafka_broker.bootstrap, quarantine, 1))
