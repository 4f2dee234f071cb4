"""``logward es setup``: ILM policy (12 months), ECS index template, data stream.

On a real Elasticsearch 8.x this creates:

- ILM policy ``<name>-12m``: hot (rollover at 30 days or 50 GB per primary
  shard), delete 365 days after rollover;
- index template ``<name>`` for ``<name>*`` with ECS mappings, the policy, and
  ``data_stream: {}``;
- the data stream ``<name>``.

Servers without ILM or data streams (OpenSearch, serverless offerings, and
noida-db, which this code was tested against in CI) answer 400/404: we say so
and fall back to a template without lifecycle and a plain index, and warn that
retention must then be enforced some other way. Only the fallback path has
been exercised against a server here; the ILM/data-stream path follows the
Elasticsearch 8 API documentation and is untested in CI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ECS_MAPPINGS", "setup_elasticsearch"]

ECS_MAPPINGS: dict[str, Any] = {
    "dynamic": True,
    "properties": {
        "@timestamp": {"type": "date"},
        "message": {"type": "text"},
        "log": {"properties": {"level": {"type": "keyword"}, "logger": {"type": "keyword"}}},
        "service": {"properties": {"name": {"type": "keyword"}}},
        "event": {
            "properties": {
                "category": {"type": "keyword"},
                "action": {"type": "keyword"},
                "outcome": {"type": "keyword"},
                "dataset": {"type": "keyword"},
            }
        },
        "user": {"properties": {"name": {"type": "keyword"}}},
        "source": {"properties": {"ip": {"type": "ip"}}},
        "url": {"properties": {"path": {"type": "keyword"}}},
        "http": {"properties": {"response": {"properties": {"status_code": {"type": "long"}}}}},
        "logward": {
            "properties": {
                "redactions": {"type": "object", "dynamic": True},
                "key": {"type": "keyword"},
                "source": {
                    "properties": {
                        "topic": {"type": "keyword"},
                        "partition": {"type": "integer"},
                        "offset": {"type": "long"},
                    }
                },
            }
        },
    },
}


def _policy() -> dict[str, Any]:
    return {
        "phases": {
            "hot": {"actions": {"rollover": {"max_age": "30d", "max_primary_shard_size": "50gb"}}},
            "delete": {"min_age": "365d", "actions": {"delete": {}}},
        }
    }


def setup_elasticsearch(
    client: Any, index: str, say: Callable[[str], None] = print
) -> dict[str, bool]:
    """Create policy, template and data stream, falling back where unsupported.

    Args:
        client: an ``elasticsearch.Elasticsearch`` client.
        index: the data stream / index name (e.g. ``logs-logward``).
        say: where to report each step (the CLI prints to stdout).

    Returns:
        Which features were set up: ``ilm``, ``data_stream``, ``plain_index``.
    """
    from elasticsearch import ApiError  # optional dependency: the 'elasticsearch'/'stream' extra

    done = {"ilm": False, "data_stream": False, "plain_index": False}
    policy = f"{index}-12m"
    try:
        client.ilm.put_lifecycle(name=policy, policy=_policy())
        done["ilm"] = True
        say(f"ILM policy {policy}: delete 365 days after rollover")
    except ApiError as exc:
        say(
            f"WARNING: this server does not support ILM (HTTP {exc.meta.status}); "
            "no automatic 12-month retention: delete old indices with a scheduled job"
        )
    settings: dict[str, Any] = {"number_of_replicas": 1}
    if done["ilm"]:
        settings["index.lifecycle.name"] = policy
    template: dict[str, Any] = {"settings": settings, "mappings": ECS_MAPPINGS}
    try:
        client.indices.put_index_template(
            name=index,
            index_patterns=[f"{index}*"],
            data_stream={},
            template=template,
            priority=200,
        )
        client.indices.create_data_stream(name=index)
        done["data_stream"] = True
        say(f"data stream {index} with ECS mappings")
    except ApiError as exc:
        if exc.meta.status == 400 and "resource_already_exists" in str(exc.message):
            done["data_stream"] = True
            say(f"data stream {index} already exists")
            return done
        say(
            f"WARNING: this server does not support data streams (HTTP {exc.meta.status}); "
            f"falling back to a plain index {index}"
        )
        settings.pop("index.lifecycle.name", None)
        client.indices.put_index_template(
            name=index,
            index_patterns=[f"{index}*"],
            template={"settings": {"number_of_replicas": 0}, "mappings": ECS_MAPPINGS},
            priority=200,
        )
        if not client.indices.exists(index=index):
            client.indices.create(index=index)
        done["plain_index"] = True
        say(f"index template {index} (ECS mappings) and plain index {index}")
    return done
