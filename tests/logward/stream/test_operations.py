"""Metrics endpoints and the sidecar's own scrubbed logs (no broker needed)."""

from __future__ import annotations

import io
import json
import logging
import urllib.request

from logward.stream import Health, Metrics, MetricsServer, ScrubbingJsonFormatter, setup_logging
from tests.logward.stream._helpers import assert_no_pii, make_scrubber


def fetch(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_metrics_and_health_endpoints():
    """/metrics serves Prometheus text; /healthz turns 503 under backpressure."""
    metrics, health = Metrics(), Health()
    metrics.records_in.labels(topic="raw").inc(3)
    metrics.add_redactions({"EMAIL_ADDRESS": 2})
    server = MetricsServer(metrics, health, "127.0.0.1", 0)
    server.start()
    try:
        health.set("running")
        status, body = fetch(server.port, "/metrics")
        assert 200 == status
        assert 'logward_stream_records_in_total{topic="raw"} 3.0' in body
        assert 'logward_stream_redactions_total{entity="EMAIL_ADDRESS"} 2.0' in body
        assert 200 == fetch(server.port, "/healthz")[0]
        health.set("backpressure", sinks_ok=False)
        status, body = fetch(server.port, "/healthz")
        assert 503 == status
        assert "backpressure" == json.loads(body)["status"]
        assert 404 == fetch(server.port, "/other")[0]
    finally:
        server.stop()


def test_own_logs_are_scrubbed_json():
    """A value that reaches our own log call, or a traceback, is scrubbed in the JSON line."""
    stream = io.StringIO()
    setup_logging(make_scrubber(broken=False), "INFO", stream)
    log = logging.getLogger("logward.stream.test")
    log.warning("delivery failed for %s", "alice@example.com")
    try:
        raise ValueError("bad record from +44 20 7946 0958")
    except ValueError:
        log.exception("unexpected")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert "delivery failed for <EMAIL_ADDRESS>" == lines[0]["message"]
    assert "warning" == lines[0]["log.level"]
    assert "<PHONE_NUMBER>" in lines[1]["error.stack_trace"]
    assert_no_pii(stream.getvalue())


def test_formatter_fails_closed():
    """If the scrubber itself breaks, the message is replaced, not written raw."""

    class Broken:
        def scrub_text(self, text):
            raise RuntimeError("boom")

    formatter = ScrubbingJsonFormatter(Broken())  # type: ignore[arg-type]
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "mail %s", ("alice@example.com",), None
    )
    assert_no_pii(formatter.format(record))
