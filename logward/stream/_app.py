"""Wire a ``StreamRunner`` from settings: engine, key, clients, metrics, signals."""

from __future__ import annotations

import logging
import signal
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from logward.stream._config import StreamConfig
from logward.stream._delivery import Deliverer
from logward.stream._kafka import make_consumer, make_producer, max_request_bytes
from logward.stream._metrics import Health, Metrics, MetricsServer
from logward.stream._processor import Processor
from logward.stream._runner import StreamRunner, make_listener
from logward.stream._sink import Sink, SinkContext
from logward.stream._sinks import build_sinks
from logward.stream._workers import ScrubPool, WorkerSettings
from logward_base.errors import ConfigError, SinkError
from monitor import open_store
from scrubber import Scrubber, Sealer, load_scrubber

__all__ = ["build_scrubber", "load_sealer", "run_stream"]

log = logging.getLogger("logward.stream")


def build_scrubber(
    rules: str | None, *, ner: bool = False, ner_model: str | None = None
) -> Scrubber:
    """The same engine and rules as the logging filter (``scrubber.load_scrubber``).

    Raises:
        RuleError: a rule file is invalid.
    """
    return load_scrubber(rules, ner=ner, ner_model=ner_model)


def load_sealer(cfg: StreamConfig) -> Sealer:
    """The quarantine key; the sidecar refuses to start without one.

    Raises:
        ConfigError: no key configured.
        KeyMaterialError: the key is unreadable, malformed or its file is too open.
    """
    sealer = Sealer.load(cfg.seal_key_file)
    if sealer is None:
        raise ConfigError(
            "no quarantine key: set $LOGWARD_SEAL_KEY (base64 of 32 random bytes) or "
            "--seal-key-file; records that cannot be scrubbed are sealed with it, never "
            "written in clear"
        )
    return sealer


class _StatsReporter:
    """Add scrub counts to the monitor store's ``scrub_stats`` every few seconds."""

    def __init__(self, data_dir: str, source: str, every: float = 10.0) -> None:
        self._conn = open_store(data_dir)
        self._source = source
        self._every = every
        self._pending: Counter[str] = Counter()
        self._last = time.monotonic()

    def __call__(self, counts: Counter[str]) -> None:
        self._pending.update(counts)
        if time.monotonic() - self._last >= self._every:
            self.flush()

    def flush(self) -> None:
        now = time.time()
        rows = [(now, self._source, e, n) for e, n in self._pending.items() if n]
        if rows:
            with self._conn:
                self._conn.executemany(
                    "INSERT INTO scrub_stats (ts, source, entity, count) VALUES (?, ?, ?, ?)", rows
                )
        self._pending.clear()
        self._last = time.monotonic()


def run_stream(
    cfg: StreamConfig,
    scrubber: Scrubber | None = None,
    *,
    install_signals: bool = True,
    on_start: Callable[[StreamRunner], None] | None = None,
) -> int:
    """Run the sidecar until SIGTERM/SIGINT. Returns the exit status.

    Args:
        cfg: resolved settings.
        scrubber: the engine; default ``build_scrubber`` from ``cfg``.
        install_signals: handle SIGTERM/SIGINT (main thread only).
        on_start: called with the runner before the loop starts (to stop it
            from another thread: ``runner.request_stop()``).
    """
    sealer = load_sealer(cfg)
    engine = scrubber or build_scrubber(cfg.rules, ner=cfg.ner, ner_model=cfg.ner_model)
    metrics, health = Metrics(), Health()
    server: MetricsServer | None = None
    if cfg.metrics_port:
        server = MetricsServer(metrics, health, cfg.metrics_host, cfg.metrics_port)
        server.start()
    try:
        producer = make_producer(cfg)
    except Exception as exc:
        if server is not None:
            server.stop()
        raise SinkError(
            f"cannot start the Kafka producer for {cfg.bootstrap_servers}: {type(exc).__name__}"
        ) from None
    sinks: list[Sink] = []
    try:
        sinks = build_sinks(cfg, SinkContext(producer, max_request_bytes(cfg)))
    except BaseException:
        producer.close()
        if server is not None:
            server.stop()
        raise
    documents = any(s.documents for s in sinks)
    deliverer = Deliverer(
        producer,
        cfg.quarantine_topic,
        sealer,
        sinks,
        exactly_once=cfg.exactly_once,
        metrics=metrics,
        scrubber=engine,
        max_message_bytes=max_request_bytes(cfg),
    )
    processor = Processor(
        engine,
        max_record_bytes=cfg.max_record_bytes,
        batch_texts=cfg.ner,
        documents=documents,
    )
    pool = None
    if cfg.workers:
        settings = WorkerSettings(
            cfg.rules, cfg.ner, cfg.ner_model, cfg.max_record_bytes, documents
        )
        pool = ScrubPool(cfg.workers, settings, processor)
    reporter = _StatsReporter(cfg.data_dir, f"stream:{cfg.group_id}") if cfg.data_dir else None
    runner: StreamRunner | None = None
    holder: list[StreamRunner] = []
    consumer: Any = None
    try:
        runner = StreamRunner(
            None,
            processor,
            deliverer,
            batch_size=cfg.batch_size,
            linger_ms=cfg.linger_ms,
            exactly_once=cfg.exactly_once,
            metrics=metrics,
            health=health,
            on_batch=reporter,
            pool=pool,
        )
        holder.append(runner)
        consumer = make_consumer(cfg, make_listener(runner))
        runner.consumer = consumer
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda _s, _f: holder[0].request_stop())
        log.info(
            "consuming %s as group %s (exactly_once=%s, key id %s)",
            ",".join(cfg.input_topic),
            cfg.group_id,
            cfg.exactly_once,
            sealer.key_id,
        )
        if on_start is not None:
            on_start(runner)
        return runner.run()
    finally:
        if reporter is not None:
            reporter.flush()
        try:
            producer.flush()
            producer.close()
        finally:
            if consumer is not None:
                consumer.close(autocommit=False)
            for sink in sinks:
                sink.close()
            if server is not None:
                server.stop()
            if pool is not None:
                pool.close()
