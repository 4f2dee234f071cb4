"""Fold look-alike characters to ASCII for detection, one character for one.

Numbers pasted from web forms and locale-formatted text use non-breaking or
thin spaces (``4111\u00a01111…``, French ``+33\u202f6…``) and sometimes fullwidth
digits; the patterns are written for ASCII. Detectors see a folded copy of the
text with exactly the same length, so every finding's offsets are valid in the
original, which is what gets replaced. ASCII text is returned unchanged at the
cost of one ``isascii`` check.
"""

from __future__ import annotations

__all__ = ["fold_for_detection"]

_SPACES = "\u00a0\u2007\u2009\u200a\u202f\u205f\u3000"
_TABLE: dict[int, int] = {ord(c): ord(" ") for c in _SPACES}
# Fullwidth forms U+FF01..U+FF5E are ASCII U+0021..U+007E shifted: digits, letters, @ + - ( ).
_TABLE.update({0xFF01 + i: 0x21 + i for i in range(0x5E)})
# Hyphens and dashes written between digit groups.
_TABLE.update({cp: ord("-") for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2212)})


def fold_for_detection(text: str) -> str:
    """Return ``text`` with look-alike spaces, digits and number punctuation as ASCII."""
    if text.isascii():
        return text
    return text.translate(_TABLE)
