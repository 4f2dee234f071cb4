"""Helpers shared by the logging adapters (``_filter``'s ``ScrubbingFilter`` and
``_structlog``'s ``StructlogScrubber``): which field names are kept as they are,
and where a field goes when its name is taken."""

from __future__ import annotations

from typing import Any

__all__ = ["put_unique", "safe_key"]


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
