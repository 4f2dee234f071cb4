"""Prometheus metrics and the ``/metrics`` + ``/healthz`` HTTP endpoints.

Labels carry topic names, sink names, error classes and entity types only,
never data. Each sidecar has its own registry, so tests can run several.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["Health", "Metrics", "MetricsServer"]


class Metrics:
    """The sidecar's metrics in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.records_in = Counter(
            "logward_stream_records_in", "Records consumed", ["topic"], registry=r
        )
        self.records_out = Counter(
            "logward_stream_records_out",
            "Clean records acknowledged by a sink",
            ["sink"],
            registry=r,
        )
        self.quarantined = Counter(
            "logward_stream_records_quarantined",
            "Records sealed into the quarantine",
            ["reason"],
            registry=r,
        )
        self.quarantine_truncated = Counter(
            "logward_stream_quarantine_truncated",
            "Records too large to quarantine whole, sealed as size, SHA-256 and first bytes",
            registry=r,
        )
        self.redactions = Counter(
            "logward_stream_redactions", "Redactions by entity type", ["entity"], registry=r
        )
        self.batch_seconds = Histogram(
            "logward_stream_batch_seconds",
            "Time to scrub and deliver one batch",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.lag = Gauge(
            "logward_stream_consumer_lag",
            "Records not yet consumed",
            ["topic", "partition"],
            registry=r,
        )
        self.sink_up = Gauge(
            "logward_stream_sink_up", "1 if the sink accepted the last write", ["sink"], registry=r
        )
        self.backpressure = Counter(
            "logward_stream_backpressure_pauses",
            "Times fetching was paused because a sink was unavailable",
            registry=r,
        )

    def add_redactions(self, counts: Mapping[str, int]) -> None:
        """Count redactions per entity type."""
        for entity, n in counts.items():
            self.redactions.labels(entity=entity).inc(n)


class Health:
    """What ``/healthz`` reports: alive, sinks ok, last progress time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state = "starting"
        self.last_progress = time.monotonic()
        self.sinks_ok = True

    def set(self, state: str, *, sinks_ok: bool | None = None) -> None:
        """Record the loop's state (``running``, ``backpressure``, ``stopping``)."""
        with self._lock:
            self.state = state
            if sinks_ok is not None:
                self.sinks_ok = sinks_ok
            self.last_progress = time.monotonic()

    def snapshot(self) -> dict[str, Any]:
        """The JSON body of ``/healthz``."""
        with self._lock:
            return {
                "status": self.state,
                "sinks_ok": self.sinks_ok,
                "seconds_since_progress": round(time.monotonic() - self.last_progress, 3),
            }


class MetricsServer:
    """Serve ``/metrics`` (Prometheus text) and ``/healthz`` (JSON) in a thread."""

    def __init__(self, metrics: Metrics, health: Health, host: str, port: int) -> None:
        registry = metrics.registry

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] == "/metrics":
                    body, ctype, code = generate_latest(registry), CONTENT_TYPE_LATEST, 200
                elif self.path.split("?")[0] == "/healthz":
                    snap = health.snapshot()
                    ok = snap["status"] in ("running", "starting") and snap["sinks_ok"]
                    body = json.dumps(snap).encode()
                    ctype, code = "application/json", 200 if ok else 503
                else:
                    body, ctype, code = b"not found\n", "text/plain", 404
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="logward-metrics", daemon=True
        )

    def start(self) -> None:
        """Start serving in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
