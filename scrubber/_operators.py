"""Redaction operators: what a detected value is replaced with.

Operators are callables ``(entity, value) -> replacement`` configured and checked
once in their constructor. ``drops_field`` tells ``scrub_mapping`` to remove a
field under a PII key instead of replacing its value; in free text a dropping
operator falls back to the typed placeholder (a span cannot be "dropped"
without making the line misleading).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from logward_base.errors import ConfigError, KeyMaterialError
from scrubber._secrets import decode_base64_key, read_key_file

__all__ = [
    "PSEUDONYM_KEY_ENV",
    "DropOperator",
    "MaskOperator",
    "Operator",
    "PseudonymOperator",
    "ReplaceOperator",
    "load_pseudonym_key",
]

PSEUDONYM_KEY_ENV = "LOGWARD_PSEUDONYM_KEY"
_MIN_KEY_BYTES = 32
_PLACEHOLDERS_LIMIT = 1024  # entities are few; the bound is for odd callers


@runtime_checkable
class Operator(Protocol):
    """Turns one detected value into its replacement."""

    drops_field: bool

    def __call__(self, entity: str, value: str) -> str:
        """Return the replacement of ``value`` (an instance of ``entity``)."""
        ...


class ReplaceOperator:
    """Replace with a typed placeholder, ``<EMAIL_ADDRESS>`` by default.

    Args:
        template: a string containing ``{entity}`` at most once and no other field.

    Raises:
        ConfigError: the template has other fields.
    """

    drops_field = False

    def __init__(self, template: str = "<{entity}>") -> None:
        try:
            template.format(entity="X")
        except (KeyError, IndexError, ValueError):
            raise ConfigError("replace template may only use the {entity} field") from None
        self._template = template
        self._placeholders: dict[str, str] = {}  # by entity: the same for every value

    def __call__(self, entity: str, value: str) -> str:
        """Return the placeholder for ``entity``."""
        try:
            return self._placeholders[entity]
        except KeyError:
            placeholder = self._template.format(entity=entity)
            if len(self._placeholders) < _PLACEHOLDERS_LIMIT:
                self._placeholders[entity] = placeholder
            return placeholder


class MaskOperator:
    """Replace letters and digits with ``char``, optionally keeping the last few.

    Separators are kept, so ``4111 1111 1111 1111`` with ``keep_last=4`` becomes
    ``**** **** **** 1111``.

    Args:
        char: the one mask character.
        keep_last: how many trailing letters/digits to keep (0 to 8).

    Raises:
        ConfigError: ``char`` is not one character or ``keep_last`` is out of range.
    """

    drops_field = False

    def __init__(self, char: str = "*", keep_last: int = 0) -> None:
        if len(char) != 1 or char.isalnum():
            raise ConfigError("mask char must be one non-alphanumeric character")
        if isinstance(keep_last, bool) or not 0 <= keep_last <= 8:
            raise ConfigError("mask keep_last must be an integer from 0 to 8")
        self._char = char
        self._keep_last = keep_last

    def __call__(self, entity: str, value: str) -> str:
        """Return ``value`` with its letters and digits masked."""
        alnum = sum(c.isalnum() for c in value)
        keep_from = alnum - self._keep_last if alnum >= 2 * self._keep_last else alnum
        out: list[str] = []
        seen = 0
        for c in value:
            if c.isalnum():
                out.append(c if seen >= keep_from else self._char)
                seen += 1
            else:
                out.append(c)
        return "".join(out)


class PseudonymOperator:
    """Replace with a keyed HMAC-SHA256 pseudonym, ``<EMAIL_ADDRESS:3f9a1c2b7d4e>``.

    The same value and key give the same token in every process, so scrubbed
    logs stay correlatable; without the key the token reveals nothing.

    Args:
        key: at least 32 bytes of secret key material (never logged).
        length: hex digits of the digest kept (8 to 64).

    Raises:
        KeyMaterialError: the key is too short.
        ConfigError: ``length`` is out of range.
    """

    drops_field = False

    def __init__(self, key: bytes, length: int = 12) -> None:
        if len(key) < _MIN_KEY_BYTES:
            raise KeyMaterialError(f"the pseudonym key must be at least {_MIN_KEY_BYTES} bytes")
        if isinstance(length, bool) or not 8 <= length <= 64:
            raise ConfigError("pseudonym length must be an integer from 8 to 64")
        self._key = key
        self._length = length

    def __repr__(self) -> str:
        return f"PseudonymOperator(length={self._length})"

    def __call__(self, entity: str, value: str) -> str:
        """Return ``<ENTITY:digest>`` for ``value``."""
        digest = hmac.new(self._key, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return f"<{entity}:{digest.hexdigest()[: self._length]}>"


class DropOperator:
    """Remove the field from a mapping; in free text, use the typed placeholder."""

    drops_field = True

    def __call__(self, entity: str, value: str) -> str:
        """Return the placeholder used when the value sits in free text."""
        return f"<{entity}>"


def load_pseudonym_key(
    key_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> bytes:
    """Load the pseudonym key from ``key_file``, else from ``$LOGWARD_PSEUDONYM_KEY``.

    The key is base64 of at least 32 random bytes (``head -c 32 /dev/urandom | base64``).
    A key file must be readable by its owner only.

    Raises:
        KeyMaterialError: no key is configured, or it is unreadable or malformed.
    """
    if key_file:
        path = Path(key_file)
        text = read_key_file(path, "pseudonym key")
        return _decode_key(text, str(path))
    value = (os.environ if env is None else env).get(PSEUDONYM_KEY_ENV)
    if not value:
        raise KeyMaterialError(
            f"the scrub policy uses the pseudonym operator but no key is configured: "
            f"set ${PSEUDONYM_KEY_ENV} (base64 of >= {_MIN_KEY_BYTES} random bytes) "
            f"or give a key_file"
        )
    return _decode_key(value, f"${PSEUDONYM_KEY_ENV}")


def _decode_key(text: str, where: str) -> bytes:
    key = decode_base64_key(text, where, "pseudonym key")
    if len(key) < _MIN_KEY_BYTES:
        raise KeyMaterialError(
            f"{where}: the pseudonym key must be at least {_MIN_KEY_BYTES} bytes, got {len(key)}"
        )
    return key
