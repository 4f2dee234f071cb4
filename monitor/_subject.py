"""Finding one subject (an account name or an address) in stored text, glued or not.

Erasure must find ``alice`` in ``user=alice;``, ``alice@host``, ``"alice"``,
``/accounts/alice`` and ``user%3Dalice``, but not in ``malice`` or in the
different account ``alice.smith``. A match is an occurrence of the subject
(case-insensitively, also in its URL-encoded and JSON-escaped forms) whose
neighbours are not part of the same token: the character before and after is
not a letter, digit or ``_``, and not a ``.``/``-`` (``:`` too for IPv6) joined
to one; a percent escape (``%3D``) counts as a separator.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

from logward_base.errors import ConfigError

__all__ = ["SubjectMatcher"]

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


class SubjectMatcher:
    """Find and replace one subject as a whole token inside free text.

    Args:
        value: the account name or address.

    Raises:
        ConfigError: ``value`` is empty.
    """

    def __init__(self, value: str) -> None:
        if not value:
            raise ConfigError("empty subject")
        self.value = value
        forms = {
            value,
            quote(value, safe=""),
            quote_plus(value, safe=""),
            json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1],
        }
        #: Lower-cased forms, for a cheap SQL prefilter (``instr(lower(col), form)``).
        self.forms = tuple(sorted({f.lower() for f in forms}, key=len, reverse=True))
        self._regex = re.compile("|".join(re.escape(f) for f in self.forms), re.IGNORECASE)
        self._joiners = ".-:" if ":" in value else ".-"

    def _left_ok(self, text: str, i: int) -> bool:
        if i == 0:
            return True
        if i >= 3 and _ESCAPE.fullmatch(text, i - 3, i):
            return True
        c = text[i - 1]
        if _word(c):
            return False
        return not (c in self._joiners and i >= 2 and _word(text[i - 2]))

    def _right_ok(self, text: str, j: int) -> bool:
        if j == len(text):
            return True
        c = text[j]
        if c == "%" and _ESCAPE.match(text, j):
            return True
        if _word(c):
            return False
        return not (c in self._joiners and j + 1 < len(text) and _word(text[j + 1]))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of every whole-token occurrence, left to right."""
        out: list[tuple[int, int]] = []
        pos = 0
        while True:
            m = self._regex.search(text, pos)
            if m is None:
                return out
            if self._left_ok(text, m.start()) and self._right_ok(text, m.end()):
                out.append((m.start(), m.end()))
                pos = m.end()
            else:
                pos = m.start() + 1

    def found(self, text: str) -> bool:
        """Whether the subject occurs in ``text`` as a whole token."""
        return bool(self.spans(text))

    def replace(self, text: str, replacement: str) -> tuple[str, bool]:
        """Replace every whole-token occurrence; return the text and whether it changed."""
        spans = self.spans(text)
        if not spans:
            return text, False
        parts: list[str] = []
        last = 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(replacement)
            last = end
        parts.append(text[last:])
        return "".join(parts), True
