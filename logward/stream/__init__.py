"""The Kafka stream-processor sidecar (``logward stream``): Kafka in, scrubbed out.

kafka-python, elasticsearch and prometheus_client are imported only inside
this package (the ``stream`` extra), never by ``import scrubber``. Every name
loads its module on first use, so ``import logward.stream`` (every ``logward``
command builds its parser from it) works without the extra and costs nothing
the command does not use.

A new clean-record destination is a :class:`Sink` in one new file and one
line in :data:`SINKS` (see the README's "Adding a sink").
"""

from __future__ import annotations

import typing

from logward_base.lazy import load_lazy

if typing.TYPE_CHECKING:
    from logward.stream._admin import (
        ReplayReport,
        current_actor,
        inspect_quarantine,
        iter_quarantine,
        replay_quarantine,
    )
    from logward.stream._app import build_scrubber, load_sealer, run_stream
    from logward.stream._codec import REDACTIONS_HEADER, SOURCE_HEADER
    from logward.stream._config import OPTIONS, Option, StreamConfig, add_arguments, load_config
    from logward.stream._delivery import Deliverer, DeliveryResult
    from logward.stream._es import ElasticsearchSink, make_client
    from logward.stream._kafka import (
        client_settings,
        make_consumer,
        make_producer,
        max_request_bytes,
    )
    from logward.stream._kafka_sink import KafkaSink
    from logward.stream._logs import ScrubbingJsonFormatter, setup_logging
    from logward.stream._metrics import Health, Metrics, MetricsServer
    from logward.stream._processor import Processor
    from logward.stream._quarantine import (
        HEAD_BYTES,
        TRUNCATED_CLASS,
        QuarantineMessage,
        SealedEntry,
        open_entry,
        read_entry,
        seal_record,
    )
    from logward.stream._record import CleanRecord, InRecord, QuarantinedRecord
    from logward.stream._runner import StreamRunner, make_listener
    from logward.stream._setup import ECS_MAPPINGS, setup_elasticsearch
    from logward.stream._sink import Rejection, Sink, SinkContext
    from logward.stream._sinks import SINKS, SinkFactory, build_sinks
    from logward.stream._workers import ScrubPool, WorkerSettings

__all__ = [
    "ECS_MAPPINGS",
    "HEAD_BYTES",
    "OPTIONS",
    "REDACTIONS_HEADER",
    "SINKS",
    "SOURCE_HEADER",
    "TRUNCATED_CLASS",
    "CleanRecord",
    "Deliverer",
    "DeliveryResult",
    "ElasticsearchSink",
    "Health",
    "InRecord",
    "KafkaSink",
    "Metrics",
    "MetricsServer",
    "Option",
    "Processor",
    "QuarantineMessage",
    "QuarantinedRecord",
    "Rejection",
    "ReplayReport",
    "ScrubPool",
    "ScrubbingJsonFormatter",
    "SealedEntry",
    "Sink",
    "SinkContext",
    "SinkFactory",
    "StreamConfig",
    "StreamRunner",
    "WorkerSettings",
    "add_arguments",
    "build_scrubber",
    "build_sinks",
    "client_settings",
    "current_actor",
    "inspect_quarantine",
    "iter_quarantine",
    "load_config",
    "load_sealer",
    "make_client",
    "make_consumer",
    "make_listener",
    "make_producer",
    "max_request_bytes",
    "open_entry",
    "read_entry",
    "replay_quarantine",
    "run_stream",
    "seal_record",
    "setup_elasticsearch",
    "setup_logging",
]

# private module -> the names it provides. Every name loads on first use, so
# ``logward <command>`` (each builds its parser with ``add_arguments``) imports
# only ``_config`` and no Kafka, Elasticsearch, scrubber or multiprocessing code.
_MODULES = {
    "_admin": (
        "ReplayReport",
        "current_actor",
        "inspect_quarantine",
        "iter_quarantine",
        "replay_quarantine",
    ),
    "_app": ("build_scrubber", "load_sealer", "run_stream"),
    "_codec": ("REDACTIONS_HEADER", "SOURCE_HEADER"),
    "_config": ("OPTIONS", "Option", "StreamConfig", "add_arguments", "load_config"),
    "_delivery": ("Deliverer", "DeliveryResult"),
    "_es": ("ElasticsearchSink", "make_client"),
    "_kafka": ("client_settings", "make_consumer", "make_producer", "max_request_bytes"),
    "_kafka_sink": ("KafkaSink",),
    "_logs": ("ScrubbingJsonFormatter", "setup_logging"),
    "_metrics": ("Health", "Metrics", "MetricsServer"),
    "_processor": ("Processor",),
    "_quarantine": (
        "HEAD_BYTES",
        "TRUNCATED_CLASS",
        "QuarantineMessage",
        "SealedEntry",
        "open_entry",
        "read_entry",
        "seal_record",
    ),
    "_record": ("CleanRecord", "InRecord", "QuarantinedRecord"),
    "_runner": ("StreamRunner", "make_listener"),
    "_setup": ("ECS_MAPPINGS", "setup_elasticsearch"),
    "_sink": ("Rejection", "Sink", "SinkContext"),
    "_sinks": ("SINKS", "SinkFactory", "build_sinks"),
    "_workers": ("ScrubPool", "WorkerSettings"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> typing.Any:
    return load_lazy(__name__, _LAZY, name)
