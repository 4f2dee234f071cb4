"""Settings of ``logward stream``: flags > ``LOGWARD_*`` environment > YAML/TOML file.

One table (``OPTIONS``) drives the command-line flags, the environment names and
the config-file keys, so the three can never drift apart. Config-file keys are
the flag names without ``--`` and with ``_`` or ``-`` (``input_topic``).
Secrets are read from the environment only (``LOGWARD_SASL_PASSWORD``,
``LOGWARD_ES_API_KEY``, ``LOGWARD_ES_PASSWORD``, ``LOGWARD_SEAL_KEY``), never from
flags that would show in ``ps``.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from logward_base.errors import ConfigError

__all__ = ["OPTIONS", "Option", "StreamConfig", "add_arguments", "load_config"]


@dataclass(frozen=True, slots=True)
class Option:
    """One setting: its field name, kind (str, int, bool, list) and help text."""

    name: str
    kind: type
    help: str


OPTIONS: tuple[Option, ...] = (
    Option("bootstrap_servers", str, "Kafka bootstrap servers, host:port[,host:port]"),
    Option("input_topic", list, "topic to consume (repeatable)"),
    Option("group_id", str, "consumer group id (default logward-stream)"),
    Option("output_topic", str, "topic for scrubbed records"),
    Option("quarantine_topic", str, "topic for sealed records that could not be scrubbed"),
    Option("es_url", str, "Elasticsearch URL for scrubbed records"),
    Option("es_index", str, "Elasticsearch index or data stream (default logs-logward)"),
    Option("es_username", str, "Elasticsearch user (password in $LOGWARD_ES_PASSWORD)"),
    Option("es_api_key", str, "Elasticsearch API key (prefer $LOGWARD_ES_API_KEY)"),
    Option("es_ca_certs", str, "CA bundle for Elasticsearch TLS"),
    Option("rules", str, "directory of PII rules (default: the shipped rules)"),
    Option("ner", bool, "also run the NER tier (spaCy), in batches"),
    Option("ner_model", str, "spaCy model package name or path for --ner"),
    Option("exactly_once", bool, "Kafka to Kafka exactly once (transactions)"),
    Option("transactional_id", str, "transactional id (default logward-<group>-<host>)"),
    Option("metrics_port", int, "serve /metrics and /healthz on this port (0: off)"),
    Option("metrics_host", str, "address for the metrics server (default 127.0.0.1)"),
    Option("max_poll_interval_ms", int, "Kafka max.poll.interval.ms"),
    Option("session_timeout_ms", int, "Kafka session.timeout.ms"),
    Option("heartbeat_interval_ms", int, "Kafka heartbeat.interval.ms"),
    Option("batch_size", int, "records per batch (default 500)"),
    Option("linger_ms", int, "wait this long for a batch to fill (default 50)"),
    Option("max_record_bytes", int, "records larger than this are quarantined (default 1 MiB)"),
    Option("workers", int, "scrub in this many worker processes, pipelined (default 0: inline)"),
    Option("seal_key_file", str, "AES-256 key file for the quarantine (else $LOGWARD_SEAL_KEY)"),
    Option("security_protocol", str, "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"),
    Option("sasl_mechanism", str, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"),
    Option("sasl_username", str, "SASL user (password in $LOGWARD_SASL_PASSWORD)"),
    Option("ssl_cafile", str, "CA bundle for Kafka TLS"),
    Option("ssl_certfile", str, "client certificate for Kafka TLS"),
    Option("ssl_keyfile", str, "client key for Kafka TLS"),
    Option("data_dir", str, "report scrub statistics into this monitor store"),
    Option("log_level", str, "level of the sidecar's own logs (default INFO)"),
)

_BY_NAME = {o.name: o for o in OPTIONS}
_SECRET_ENV = {
    "sasl_password": "LOGWARD_SASL_PASSWORD",
    "es_password": "LOGWARD_ES_PASSWORD",
}


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """The resolved settings of one sidecar instance."""

    bootstrap_servers: str
    input_topic: tuple[str, ...]
    quarantine_topic: str
    group_id: str = "logward-stream"
    output_topic: str | None = None
    es_url: str | None = None
    es_index: str = "logs-logward"
    es_username: str | None = None
    es_password: str | None = None
    es_api_key: str | None = None
    es_ca_certs: str | None = None
    rules: str | None = None
    ner: bool = False
    ner_model: str | None = None
    exactly_once: bool = False
    transactional_id: str | None = None
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    max_poll_interval_ms: int = 300_000
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    batch_size: int = 500
    linger_ms: int = 50
    max_record_bytes: int = 1_048_576
    workers: int = 0
    seal_key_file: str | None = None
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    data_dir: str | None = None
    log_level: str = "INFO"

    def __repr__(self) -> str:
        shown = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("sasl_password", "es_password", "es_api_key")
        }
        return f"StreamConfig({shown})"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every option as a flag whose default is "not given" (so lower layers show)."""
    parser.add_argument("--config", metavar="FILE", help="YAML or TOML file of settings")
    for opt in OPTIONS:
        flag = "--" + opt.name.replace("_", "-")
        if opt.kind is bool:
            parser.add_argument(flag, action="store_true", default=None, help=opt.help)
        elif opt.kind is list:
            parser.add_argument(flag, action="append", default=None, help=opt.help)
        else:
            parser.add_argument(flag, type=opt.kind, default=None, help=opt.help)


def _coerce(opt: Option, value: Any, where: str) -> Any:
    if opt.kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where}: expected true or false")
    if opt.kind is int:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected an integer") from None
        if number < 0:
            raise ConfigError(f"{where}: must not be negative")
        return number
    if opt.kind is list:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: expected a list of strings")
        return tuple(i.strip() for i in items if i.strip())
    if isinstance(value, bool) or not isinstance(value, str | int):  # YAML `on` is a bool
        raise ConfigError(f"{where}: expected a string")
    return str(value)


def _read_file(path: str) -> dict[str, Any]:
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config file ({type(exc).__name__})") from None
    try:
        if file.suffix.lower() == ".toml":
            data: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            data = yaml.safe_load(raw)
    # ValueError: an integer over int_max_str_digits; RecursionError: deep nesting
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{file}: not valid YAML/TOML ({type(exc).__name__})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping of settings at the top level")
    if isinstance(data.get("stream"), dict) and len(data) == 1:
        data = data["stream"]
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if name not in _BY_NAME:
            raise ConfigError(f"{file}: field {key!r}: unknown setting")
        out[name] = _coerce(_BY_NAME[name], value, f"{file}: field {key!r}")
    return out


def load_config(
    flags: Mapping[str, Any] | argparse.Namespace, env: Mapping[str, str] | None = None
) -> StreamConfig:
    """Merge flags over ``LOGWARD_*`` environment over the ``--config`` file.

    Args:
        flags: parsed arguments (``None`` means "not given").
        env: the environment; ``None`` means ``os.environ``.

    Returns:
        The validated settings.

    Raises:
        ConfigError: a value is invalid or a required setting is missing.
    """
    given = dict(vars(flags) if isinstance(flags, argparse.Namespace) else flags)
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    config_file = given.get("config") or env.get("LOGWARD_CONFIG")
    if config_file:
        merged.update(_read_file(str(config_file)))
    for opt in OPTIONS:
        env_name = "LOGWARD_" + opt.name.upper()
        if env.get(env_name):
            merged[opt.name] = _coerce(opt, env[env_name], f"${env_name}")
    for opt in OPTIONS:
        value = given.get(opt.name)
        if value is not None:
            merged[opt.name] = _coerce(opt, value, "--" + opt.name.replace("_", "-"))
    for name, env_name in _SECRET_ENV.items():
        if env.get(env_name):
            merged[name] = env[env_name]
    for name in ("bootstrap_servers", "input_topic", "quarantine_topic"):
        if not merged.get(name):
            flag = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{flag} is required (flag, $LOGWARD_{name.upper()} or config file)"
                + (
                    "; unscrubbable records are never dropped, they are sealed there"
                    if name == "quarantine_topic"
                    else ""
                )
            )
    if not merged.get("output_topic") and not merged.get("es_url"):
        raise ConfigError("set --output-topic and/or --es-url: there is nowhere to write")
    if merged.get("exactly_once") and not merged.get("output_topic"):
        raise ConfigError("--exactly-once needs --output-topic (it is Kafka to Kafka)")
    if merged.get("batch_size") == 0:
        raise ConfigError("--batch-size must be at least 1")
    if not 0 <= merged.get("workers", 0) <= 64:
        raise ConfigError("--workers must be between 0 and 64")
    if merged.get("sasl_mechanism") and not merged.get("sasl_password"):
        raise ConfigError("--sasl-mechanism needs the password in $LOGWARD_SASL_PASSWORD")
    return StreamConfig(**merged)
