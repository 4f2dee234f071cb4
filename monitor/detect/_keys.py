"""Keys of detection state: an event's ``group_by`` values, and their JSON form in the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from monitor._event import ECS_FIELDS, AccessEvent

__all__ = ["Key", "key_from_json", "key_getter", "key_to_json"]

Key = Any  # one group_by value, or a tuple of them


def key_getter(group_by: tuple[str, ...]) -> Callable[[AccessEvent], Key]:
    """Return ``event -> key`` for the group_by fields; the key is ``None`` if any is unset."""
    attrs = [ECS_FIELDS[f] for f in group_by]
    if len(attrs) == 1:
        return attrgetter(attrs[0])
    get = attrgetter(*attrs)

    def key(event: AccessEvent) -> Key:
        values = get(event)
        return None if None in values else values

    return key


def key_to_json(key: Key, width: int) -> str:
    """Serialise a key for the ``window_state.key`` column."""
    return json.dumps([key] if width == 1 else list(key))


def key_from_json(text: str, width: int) -> Key:
    """Inverse of :func:`key_to_json`."""
    values = json.loads(text)
    return values[0] if width == 1 else tuple(values)
