"""Scrubbing of structured data (mappings, sequences, scalars) for the engine.

Rules, in order:

- under a PII key name (``password``, ``userEmail``, ...) every string and
  number is replaced by that entity's operator, however deep; booleans and
  ``None`` carry no PII and are kept; a ``drop`` operator removes the field;
- other strings are scrubbed as text; bytes are decoded (UTF-8, replacing bad
  bytes) and scrubbed; integers of 7+ digits are scrubbed as text (card and
  phone numbers stored as numbers) and become strings only if redacted;
- other objects are converted with ``str()`` and scrubbed (their repr may hold
  PII); dates, UUIDs and decimals are kept;
- keys are scrubbed as text too; content nested deeper than ``max_depth``
  becomes ``DEPTH_PLACEHOLDER``.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import threading
import uuid
from collections import Counter
from collections.abc import Mapping, Set
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from scrubber._placeholders import DEPTH_PLACEHOLDER, FAILED_PLACEHOLDER

if TYPE_CHECKING:
    from scrubber._engine import Scrubber

__all__ = ["StructuredScrubber"]

_SAFE_TYPES = (float, datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, uuid.UUID)
_BIG_INT = 10**6
_CLEAN_KEYS_LIMIT = 4096
_DROP = object()


@mypyc_attr(allow_interpreted_subclasses=True)
class StructuredScrubber:
    """The recursive half of :class:`~scrubber.Scrubber` (mappings and values).

    Args:
        engine: the owning scrubber (text scrubbing, policy, key matcher, stats).
    """

    def __init__(self, engine: Scrubber) -> None:
        self._engine = engine
        self._clean_keys: set[str] = set()
        self._lock = threading.Lock()

    def mapping(self, data: Mapping[str, Any], counts: Counter[str] | None) -> dict[str, Any]:
        """Scrub a mapping; a non-mapping is returned as ``{"value": scrubbed}``."""
        try:
            if not isinstance(data, Mapping):
                return {"value": self.value(data, None, counts)}
            return self._mapping(data, None, 0, counts)
        except Exception:
            self._engine.stats.add_failure()
            return {"scrub_failed": FAILED_PLACEHOLDER}

    def value(self, value: Any, key: str | None, counts: Counter[str] | None) -> Any:
        """Scrub one value as if stored under ``key``."""
        try:
            entity = self._engine.key_matcher.entity_for(key) if isinstance(key, str) else None
            result = self._value(value, entity, 0, counts)
        except Exception:
            self._engine.stats.add_failure()
            return FAILED_PLACEHOLDER
        if result is _DROP:
            return self._engine.policy.operator_for(entity or "")(entity or "", "")
        return result

    def _mapping(
        self, data: Mapping[Any, Any], entity: str | None, depth: int, counts: Counter[str] | None
    ) -> dict[Any, Any]:
        matcher = self._engine.key_matcher
        out: dict[Any, Any] = {}
        for key, item in data.items():
            if type(key) is str:
                item_entity = entity or matcher.entity_for(key)
                new_key: Any = key if key in self._clean_keys else self._key(key, counts)
            else:
                item_entity = (
                    (entity or matcher.entity_for(key)) if isinstance(key, str) else entity
                )
                new_key = self.key(key, counts)
            scrubbed = self._value(item, item_entity, depth + 1, counts)
            if scrubbed is _DROP:
                continue
            if new_key in out:
                n = 2
                while f"{new_key}#{n}" in out:
                    n += 1
                new_key = f"{new_key}#{n}"
            out[new_key] = scrubbed
        return out

    def key(self, key: Any, counts: Counter[str] | None) -> Any:
        """Scrub a mapping key: strings (and the ``str()`` of objects) as text; ints
        of 7+ digits as values are (they become strings only if redacted).
        """
        if isinstance(key, str):
            return self._key(key, counts)
        if isinstance(key, int) and not isinstance(key, bool) and abs(key) >= _BIG_INT:
            text = str(int(key))
            scrubbed = self._key(text, counts)
            return key if scrubbed == text else scrubbed
        return key if _is_plain_scalar(key) else self._key(str(key), counts)

    def _key(self, key: str, counts: Counter[str] | None) -> str:
        if key in self._clean_keys:
            return key
        scrubbed = self._engine.scrub_text(key, counts)
        if scrubbed == key:
            with self._lock:
                if len(self._clean_keys) >= _CLEAN_KEYS_LIMIT:
                    self._clean_keys.clear()
                self._clean_keys.add(key)
        return scrubbed

    def _value(
        self, value: Any, entity: str | None, depth: int, counts: Counter[str] | None
    ) -> Any:
        engine = self._engine
        if value is None or isinstance(value, bool):
            return value
        if depth > engine.policy.max_depth:
            engine.stats.add({"DEPTH_LIMIT": 1})
            if counts is not None:
                counts["DEPTH_LIMIT"] += 1
            return DEPTH_PLACEHOLDER
        kind = type(value)  # exact JSON types first: no ABC checks on the common path
        if kind is str and entity is None:
            return engine.scrub_text(value, counts)
        if kind is dict:
            return self._mapping(value, entity, depth, counts)
        if kind is int and entity is None and -_BIG_INT < value < _BIG_INT:
            return value
        if isinstance(value, Mapping):
            return self._mapping(value, entity, depth, counts)
        if isinstance(value, list | tuple | Set):
            items = [self._value(v, entity, depth + 1, counts) for v in value]
            items = [v for v in items if v is not _DROP]
            return tuple(items) if isinstance(value, tuple) else items
        if entity is not None:
            return self._redact(entity, value, counts)
        if isinstance(value, str):
            return engine.scrub_text(value, counts)
        if isinstance(value, bytes | bytearray | memoryview):
            return engine.scrub_text(bytes(value).decode("utf-8", "replace"), counts)
        if isinstance(value, int) and not isinstance(value, enum.Enum):
            if abs(value) < _BIG_INT:
                return value
            text = str(value)
            scrubbed = engine.scrub_text(text, counts)
            return value if scrubbed == text else scrubbed
        if isinstance(value, _SAFE_TYPES):
            return value
        return engine.scrub_text(str(value), counts)

    def _redact(self, entity: str, value: Any, counts: Counter[str] | None) -> Any:
        operator = self._engine.policy.operator_for(entity)
        if operator.drops_field:
            result: Any = _DROP
        else:
            raw = value if isinstance(value, str) else str(value)
            result = operator(entity, raw)
        self._engine.stats.add({entity: 1})
        if counts is not None:
            counts[entity] += 1
        return result


def _is_plain_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float)
