"""kafka-python clients built from the settings, and conversion of consumed records."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

from logward.stream._config import StreamConfig
from logward.stream._record import InRecord

__all__ = [
    "client_settings",
    "make_consumer",
    "make_producer",
    "max_request_bytes",
    "to_in_record",
    "transactional_id",
]


def client_settings(cfg: StreamConfig) -> dict[str, Any]:
    """Connection and security settings shared by consumer, producer and admin."""
    out: dict[str, Any] = {
        "bootstrap_servers": [s.strip() for s in cfg.bootstrap_servers.split(",") if s.strip()],
        "security_protocol": cfg.security_protocol,
        "client_id": "logward-stream",
    }
    if cfg.sasl_mechanism:
        out["sasl_mechanism"] = cfg.sasl_mechanism
        out["sasl_plain_username"] = cfg.sasl_username
        out["sasl_plain_password"] = cfg.sasl_password
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        if getattr(cfg, name):
            out[name] = getattr(cfg, name)
    return out


def transactional_id(cfg: StreamConfig) -> str:
    """Stable per instance, so a restarted instance fences its own zombie transaction."""
    return cfg.transactional_id or f"logward-{cfg.group_id}-{socket.gethostname()}"


def make_consumer(cfg: StreamConfig, listener: Any = None) -> Any:
    """A group consumer on the input topics with manual commits."""
    from kafka import KafkaConsumer  # optional dependency: the 'kafka'/'stream' extra

    consumer = KafkaConsumer(
        group_id=cfg.group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=cfg.batch_size,
        max_poll_interval_ms=cfg.max_poll_interval_ms,
        session_timeout_ms=cfg.session_timeout_ms,
        heartbeat_interval_ms=min(cfg.heartbeat_interval_ms, max(cfg.session_timeout_ms // 3, 1)),
        isolation_level="read_committed",
        fetch_max_wait_ms=max(cfg.linger_ms, 1),
        **client_settings(cfg),
    )
    consumer.subscribe(topics=list(cfg.input_topic), listener=listener)
    return consumer


def max_request_bytes(cfg: StreamConfig) -> int:
    """The producer's ``max_request_size``: room for a sealed record twice the input limit."""
    return max(cfg.max_record_bytes * 2 + 65_536, 1_048_576)


def make_producer(cfg: StreamConfig) -> Any:
    """The output producer: idempotent, acks=all; transactional with --exactly-once."""
    from kafka import KafkaProducer  # optional dependency: the 'kafka'/'stream' extra

    extra: dict[str, Any] = {}
    if cfg.exactly_once:
        extra["transactional_id"] = transactional_id(cfg)
    producer = KafkaProducer(
        acks="all",
        enable_idempotence=True,
        linger_ms=min(cfg.linger_ms, 20),
        max_request_size=max_request_bytes(cfg),
        **extra,
        **client_settings(cfg),
    )
    if cfg.exactly_once:
        producer.init_transactions()
    return producer


def to_in_record(msg: Any) -> InRecord:
    """Convert a kafka-python ``ConsumerRecord``."""
    headers: Iterable[tuple[str, bytes | None]] = msg.headers or ()
    return InRecord(
        topic=msg.topic,
        partition=msg.partition,
        offset=msg.offset,
        key=msg.key,
        value=msg.value,
        headers=tuple((str(k), v if v is not None else b"") for k, v in headers),
        timestamp_ms=msg.timestamp if msg.timestamp is not None and msg.timestamp >= 0 else None,
    )
