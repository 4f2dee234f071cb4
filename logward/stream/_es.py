"""Idempotent writes of scrubbed documents to Elasticsearch.

Each document's ``_id`` is ``topic-partition-offset`` and the op is ``create``,
so a redelivered record is a 409, which counts as success. Items rejected with
429 or 5xx are retried with exponential backoff; other per-item rejections
(mapping errors) are returned one by one for the quarantine. A transport
failure (server down) raises ``SinkError``: the runner then pauses fetching and
retries the same batch, so nothing is buffered without bound.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from logward.stream._config import StreamConfig
from logward.stream._record import CleanRecord
from logward.stream._sink import Rejection, Sink, SinkContext
from logward_base.errors import SinkError

__all__ = ["ElasticsearchSink", "make_client"]

log = logging.getLogger("logward.stream.es")

_RETRYABLE = {429, 500, 502, 503, 504}


def make_client(
    url: str,
    *,
    api_key: str | None = None,
    username: str | None = None,
    password: str | None = None,
    ca_certs: str | None = None,
    timeout: float = 10.0,
) -> Any:
    """An ``elasticsearch.Elasticsearch`` client without its own retries."""
    # optional dependency: the 'elasticsearch'/'stream' extra
    from elasticsearch import Elasticsearch

    kwargs: dict[str, Any] = {"request_timeout": timeout, "max_retries": 0}
    if api_key:
        kwargs["api_key"] = api_key
    elif username:
        kwargs["basic_auth"] = (username, password or "")
    if ca_certs:
        kwargs["ca_certs"] = ca_certs
    return Elasticsearch(url, **kwargs)


class ElasticsearchSink(Sink):
    """Write clean records; report which ones were rejected and why.

    Synchronous: :meth:`add` writes (``create`` by source id, 409 is success)
    and returns the per-item rejections; :meth:`flush` has nothing to wait for.

    Args:
        client: an ``Elasticsearch`` client.
        index: index or data stream name.
        max_item_retries: attempts for items rejected with 429/5xx before giving up.
        sleep: injected for tests.
    """

    name = "elasticsearch"
    documents = True

    def __init__(
        self,
        client: Any,
        index: str,
        *,
        max_item_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.index = index
        self.max_item_retries = max_item_retries
        self._sleep = sleep

    @classmethod
    def from_config(cls, cfg: StreamConfig) -> ElasticsearchSink:
        """Build from the sidecar settings (``--es-url`` must be set).

        Raises:
            SinkError: no ``--es-url``.
        """
        if not cfg.es_url:
            raise SinkError("no --es-url configured")
        client = make_client(
            cfg.es_url,
            api_key=cfg.es_api_key,
            username=cfg.es_username,
            password=cfg.es_password,
            ca_certs=cfg.es_ca_certs,
        )
        return cls(client, cfg.es_index)

    def write(self, records: Sequence[CleanRecord]) -> list[tuple[CleanRecord, str, str]]:
        """Index ``records``; return the rejected ones as (record, error class, message).

        Raises:
            SinkError: the server cannot be reached or keeps answering 429/5xx.
        """
        # optional dependency: the 'elasticsearch'/'stream' extra
        from elasticsearch import ApiError, TransportError

        pending = list(records)
        rejected: list[tuple[CleanRecord, str, str]] = []
        delay = 0.2
        for attempt in range(self.max_item_retries + 1):
            if not pending:
                break
            ops: list[dict[str, Any]] = []
            for rec in pending:
                ops.append({"create": {"_index": self.index, "_id": rec.source.source_id}})
                ops.append(dict(rec.document))
            try:
                resp = self.client.bulk(operations=ops)
            except (TransportError, ApiError) as exc:
                raise SinkError(f"elasticsearch bulk failed: {type(exc).__name__}") from None
            retry: list[CleanRecord] = []
            for rec, item in zip(pending, resp["items"], strict=True):
                result = next(iter(item.values()))
                status = int(result.get("status", 500))
                if 200 <= status < 300 or status == 409:
                    continue
                if status in _RETRYABLE:
                    retry.append(rec)
                    continue
                error = result.get("error") or {}
                kind = str(error.get("type", "rejected")) if isinstance(error, dict) else "rejected"
                rejected.append((rec, "IndexError", f"elasticsearch rejected the document: {kind}"))
            pending = retry
            if pending and attempt < self.max_item_retries:
                log.warning("elasticsearch asked to retry %s documents", len(pending))
                self._sleep(delay)
                delay = min(delay * 2, 5.0)
        if pending:
            raise SinkError(f"elasticsearch kept refusing {len(pending)} documents (429/5xx)")
        return rejected

    @classmethod
    def from_settings(cls, cfg: StreamConfig, ctx: SinkContext) -> ElasticsearchSink | None:
        """The registry's factory: the sink for ``--es-url``, or ``None`` when unset."""
        return cls.from_config(cfg) if cfg.es_url else None

    def add(self, records: Sequence[CleanRecord]) -> list[Rejection]:
        """Index ``records`` now (see :meth:`write`); return the rejected ones.

        Raises:
            SinkError: the server cannot be reached or keeps answering 429/5xx.
        """
        if not records:
            return []
        return [Rejection(r, cls, msg) for r, cls, msg in self.write(records)]

    def flush(self) -> None:
        """Nothing to wait for: :meth:`add` returns once the bulk request answered."""

    def close(self) -> None:
        """Close the client."""
        self.client.close()
