"""Helpers of the logging adapters (``_filter``'s ``ScrubbingFilter`` and
``_structlog``'s ``StructlogScrubber``): which field names are kept as they are,
where a field goes when its name is taken, the filter's cache keys for ``extra``
values, its text for a ``msg % args`` that fails, and its exception scrubbing."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from scrubber._placeholders import FAILED_PLACEHOLDER
from scrubber._surrogate import format_exc_info, surrogate_exc_info

if TYPE_CHECKING:
    from scrubber._engine import Scrubber

__all__ = [
    "MAX_CACHED_LEN",
    "extra_cache_key",
    "format_failure",
    "put_unique",
    "safe_key",
    "scrub_exception",
]

# Formatted messages (and extra strings) longer than this are not cached.
MAX_CACHED_LEN = 1024


def safe_key(key: Any) -> bool:
    """Whether a key is a plain field name (``user_name``), kept without scrubbing.

    ASCII identifiers without digits are; emails, numbers, addresses and tokens
    (secrets hold digits) are not: those are scrubbed, or dropped on failure.
    """
    return (
        isinstance(key, str)
        and key.isascii()
        and key.isidentifier()
        and not any(c.isdigit() for c in key)
    )


def put_unique(attrs: dict[Any, Any], key: Any, value: Any) -> None:
    """Set ``attrs[key]``, or ``key#2``, ``key#3``... when ``key`` is taken."""
    new_key, n = key, 2
    while new_key in attrs:
        new_key = f"{key}#{n}"
        n += 1
    attrs[new_key] = value


def format_failure(msg: Any, args: Any, exc: Exception) -> str:
    """Describe a ``msg % args`` that raised, keeping the (to be scrubbed) parts."""
    try:
        shown = f"{msg} [logward: message formatting failed ({type(exc).__name__}); args: {args}]"
    except Exception:
        shown = f"{FAILED_PLACEHOLDER} [logward: message formatting failed ({type(exc).__name__})]"
    return shown


def scrub_exception(engine: Scrubber, record: logging.LogRecord) -> None:
    """Scrub ``exc_info`` (surrogate), ``exc_text`` and ``stack_info``."""
    exc_info = record.exc_info
    if exc_info and exc_info[1] is not None:
        formatted = record.exc_text or format_exc_info(exc_info)
        record.exc_info = surrogate_exc_info(engine, exc_info)
        record.exc_text = engine.scrub_text(formatted)
    elif record.exc_text:
        record.exc_text = engine.scrub_text(record.exc_text)
    if record.stack_info:
        record.stack_info = engine.scrub_text(record.stack_info)


# The extra cache is keyed by hash() alone, so unequal values with equal hashes
# would be served each other's result: numbers, whose hashes are arithmetic (-1 and
# -2; 0.0 and -0.0; 0.5 and 2.0**60; n and n + 2**61 - 1). Floats are keyed by their
# repr, ints only where the hash is the number itself (string hashes are random).
_HASH_MODULUS = sys.hash_info.modulus


def _hash_is_own(number: int) -> bool:
    return number != -1 and -_HASH_MODULUS < number < _HASH_MODULUS


def extra_cache_key(key: str, value: Any) -> tuple[Any, ...] | None:
    """A hashable key for values whose scrubbed form may be reused, else ``None``."""
    kind = type(value)
    if kind is str:
        return (key, value) if len(value) <= MAX_CACHED_LEN else None
    if kind is float:
        return (key, kind, repr(value))
    if kind is int:
        return (key, kind, value) if _hash_is_own(value) else None
    if kind is bool or value is None:
        return (key, kind, value)
    if kind is dict and len(value) <= 16:
        parts: list[Any] = [key, dict]  # then (name, type, value) per item, flat
        for item_key, item in value.items():
            item_kind = type(item)
            if type(item_key) is not str:
                return None
            if item_kind is str:
                if len(item) > MAX_CACHED_LEN:
                    return None
            elif item_kind is float:
                item = repr(item)
            elif item_kind is int:
                if not _hash_is_own(item):
                    return None
            elif item_kind is not bool and item is not None:
                return None
            parts += (item_key, item_kind, item)
        return tuple(parts)
    return None
