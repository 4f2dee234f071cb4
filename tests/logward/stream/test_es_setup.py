"""``logward es setup`` against the real Elasticsearch-compatible server (noida-db)."""

from __future__ import annotations

import pytest

from logward.cli import main
from tests.logward.stream._sidecar import unique

pytestmark = [pytest.mark.integration, pytest.mark.elasticsearch]


def test_setup_falls_back_to_plain_index_when_unsupported(es_server, capsys):
    """Without ILM and data streams, setup says so and creates a plain index with ECS mappings."""
    from elasticsearch import Elasticsearch

    index = unique("logs")
    assert 0 == main(["es", "setup", "--es-url", es_server.url, "--es-index", index])
    out = capsys.readouterr().out
    assert "does not support ILM" in out
    assert "falling back to a plain index" in out
    client = Elasticsearch(es_server.url)
    try:
        assert client.indices.exists(index=index)
        mapping = client.indices.get_mapping(index=index)[index]["mappings"]
        assert "date" == mapping["properties"]["@timestamp"]["type"]
    finally:
        client.close()


def test_setup_twice_is_harmless(es_server, capsys):
    """Running setup again on the same index succeeds."""
    index = unique("logs")
    assert 0 == main(["es", "setup", "--es-url", es_server.url, "--es-index", index])
    assert 0 == main(["es", "setup", "--es-url", es_server.url, "--es-index", index])
