"""The sink registry: a new sink is one new file and one line in ``SINKS``.

Each entry maps a name to a factory ``(settings, context) -> Sink | None``
(``None``: not configured). ``build_sinks`` calls them in order; the
``Deliverer`` then runs the synchronous sinks first and the ``transactional``
(Kafka) ones last, whatever the order here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from logward.stream._config import StreamConfig
from logward.stream._es import ElasticsearchSink
from logward.stream._kafka_sink import KafkaSink
from logward.stream._sink import Sink, SinkContext

__all__ = ["SINKS", "SinkFactory", "build_sinks"]

SinkFactory = Callable[[StreamConfig, SinkContext], Sink | None]

SINKS: dict[str, SinkFactory] = {
    "elasticsearch": ElasticsearchSink.from_settings,
    "kafka": KafkaSink.from_settings,
}


def build_sinks(
    cfg: StreamConfig, ctx: SinkContext, registry: Mapping[str, SinkFactory] | None = None
) -> list[Sink]:
    """Every configured sink, in registry order (default: ``SINKS``)."""
    sinks = []
    for factory in (SINKS if registry is None else registry).values():
        sink = factory(cfg, ctx)
        if sink is not None:
            sinks.append(sink)
    return sinks
