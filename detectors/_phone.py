"""Phone-number validation with libphonenumber's metadata (the ``phonenumbers`` package).

A pattern rule with ``regions`` (``rules/pii/phone.yaml``) finds candidate digit
groups with its regex, then :func:`phone_score` decides how likely each is a
phone number:

- written internationally (``+`` or ``00``) and valid or possible for its
  country code: high;
- valid for one of the configured default regions: high;
- a separated group (spaces, dashes, dots, brackets) of 7 to 13 digits that is
  no date, IP address or decimal: above the threshold;
- anything else (a bare run, a short local number): below the threshold, so
  only a context word (whole word, within the rule's window) redacts it.

``phonenumbers`` is imported on first use, not when this module is imported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

__all__ = ["phone_score"]

_DATE = re.compile(
    r"(?:1[89]|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.]\d\d?"
    r"|\d\d?[-/.]\d\d?[-/.](?:1[89]|20)\d\d"
)
_IPV4ISH = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# An access line's status and size ("200 28643") look like a two-part number.
_STATUS_SIZE = re.compile(r"[1-5]\d\d \d{1,10}")
_EXTENSION = re.compile(r"\s*(?:x|ext\.?)\s*\d{1,5}$", re.IGNORECASE)

VALID = 0.9
SEPARATED = 0.6
BARE = 0.3


@lru_cache(maxsize=1)
def _pn() -> Any:
    import phonenumbers

    return phonenumbers


def phone_score(value: str, regions: Sequence[str]) -> float | None:
    """Return the base score of ``value`` as a phone number, or ``None`` if it is none.

    Args:
        value: the candidate exactly as written (separators and brackets included).
        regions: ISO 3166 region codes to validate national forms against.
    """
    core = _EXTENSION.sub("", value)
    digits = "".join(c for c in core if c.isdigit())
    n = len(digits)
    if n < 5 or n > 16 or len(set(digits)) <= 2:
        return None
    if _DATE.search(core) or _IPV4ISH.fullmatch(core):
        return None
    separators = sum(1 for c in core if not c.isdigit() and c != "+")
    if separators == 1 and "." in core:
        return None  # a decimal number
    if "/" in core and n < 7:
        return None  # a fraction or a counter (12/100)
    pn = _pn()
    if core.startswith(("+", "00")):
        try:
            number = pn.parse("+" + core.lstrip("+")[2:] if core.startswith("00") else core, None)
        except pn.NumberParseException:
            return BARE
        if pn.is_possible_number(number):
            return VALID
        return SEPARATED if 8 <= n <= 15 else BARE
    if not separators and n < 10:
        return BARE
    for region in regions:
        try:
            number = pn.parse(core, region)
        except pn.NumberParseException:
            continue
        if pn.is_valid_number(number):
            return VALID if separators and n >= 7 else SEPARATED if n >= 10 else BARE
    if separators and 7 <= n <= 13 and not _STATUS_SIZE.fullmatch(core):
        return SEPARATED
    return BARE
