"""The Elasticsearch sink: idempotent ids, 409 as success, retries, per-item rejections."""

from __future__ import annotations

import pytest

from logward.stream import ElasticsearchSink, InRecord, Processor
from logward_base.errors import SinkError
from tests.logward.stream._helpers import make_scrubber


class FakeBulkClient:
    """Answers each bulk call with the next list of per-item statuses."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def bulk(self, operations):
        self.calls.append(operations)
        statuses = self.answers.pop(0)
        if isinstance(statuses, Exception):
            raise statuses
        items = []
        for status in statuses:
            result = {"status": status}
            if status >= 400 and status != 409:
                result["error"] = {"type": "document_parsing_exception", "reason": "value x@y.z"}
            items.append({"create": result})
        return {"items": items}


def clean(n):
    records = [InRecord("raw", 0, i, None, f"line {i}".encode()) for i in range(n)]
    return Processor(make_scrubber()).process(records)


def test_ids_and_create_op():
    """Each document is a create with _id topic-partition-offset."""
    client = FakeBulkClient([201, 201])
    ElasticsearchSink(client, "logs").write(clean(2))
    ops = client.calls[0]
    assert {"create": {"_index": "logs", "_id": "raw-0-1"}} == ops[2]


def test_conflict_counts_as_success():
    """A 409 (already indexed by an earlier delivery) is success."""
    assert [] == ElasticsearchSink(FakeBulkClient([409, 201]), "logs").write(clean(2))


def test_retryable_items_retried_alone():
    """Items answered 429/503 are retried alone, with backoff."""
    sleeps: list[float] = []
    client = FakeBulkClient([201, 429, 503], [201, 201])
    sink = ElasticsearchSink(client, "logs", sleep=sleeps.append)
    assert [] == sink.write(clean(3))
    assert 4 == len(client.calls[1])
    assert [0.2] == sleeps


def test_mapping_error_rejected_per_item_without_data():
    """A per-item mapping error rejects that document only; the reason text is not kept."""
    rejected = ElasticsearchSink(FakeBulkClient([201, 400]), "logs").write(clean(2))
    assert [1] == [r.source.offset for r, _, _ in rejected]
    _, cls, message = rejected[0]
    assert "IndexError" == cls
    assert "x@y.z" not in message
    assert "document_parsing_exception" in message


def test_persistent_429_raises_sink_error():
    """Items refused past the retry budget raise SinkError (the runner backs off)."""
    sink = ElasticsearchSink(
        FakeBulkClient([429], [429]), "logs", max_item_retries=1, sleep=lambda _s: None
    )
    with pytest.raises(SinkError):
        sink.write(clean(1))


def test_transport_error_raises_sink_error():
    """An unreachable server raises SinkError, not a client exception."""
    from elastic_transport import ConnectionError as TransportConnectionError

    client = FakeBulkClient(TransportConnectionError("refused"))
    with pytest.raises(SinkError, match="ConnectionError"):
        ElasticsearchSink(client, "logs").write(clean(1))
