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

__all__ = ["phone_score", "phone_score_of"]

_DATE = re.compile(
    r"(?:1[89]|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.]\d\d?"
    r"|\d\d?[-/.]\d\d?[-/.](?:1[89]|20)\d\d"
)
_IPV4ISH = re.compile(r"(?:[1-9]?\d|1\d\d|2[0-5]\d)(?:\.(?:[1-9]?\d|1\d\d|2[0-5]\d)){3}")
# An access line's status and size ("200 28643") look like a two-part number.
_STATUS_SIZE = re.compile(
    r"(?:20[0-6]|30[0-478]|40[0-9]|41[0-8]|42[2-9]|431|451|50[0-8]) \d{1,10}(?: \d+\.\d+)?"
)
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")  # us_ssn's rules decide these
_EXTENSION = re.compile(r"\s*(?:x|ext\.?)\s*\d{1,5}$", re.IGNORECASE)
_NOT_DIGIT = re.compile(r"\D+")
# One C-level test for all three: a date anywhere, or the whole value an IPv4 or SSN.
_REJECT = re.compile(
    rf"(?:.*?(?:{_DATE.pattern})|(?:{_IPV4ISH.pattern}|{_SSN.pattern})\Z)", re.DOTALL
)

VALID = 0.9
SEPARATED = 0.6
BARE = 0.3


@lru_cache(maxsize=1)
def _pn() -> Any:
    import phonenumbers  # start-up time: its metadata loads only when a phone rule runs

    return phonenumbers


def phone_score(value: str, regions: Sequence[str]) -> float | None:
    """Return the base score of ``value`` as a phone number, or ``None`` if it is none.

    A pure function of its arguments: the last few thousand answers are kept
    (logs repeat numbers: the same callers, test numbers, card numbers that the
    phone rule sees too).

    Args:
        value: the candidate exactly as written (separators and brackets included).
        regions: ISO 3166 region codes to validate national forms against.
    """
    return _phone_score_cached(value, regions if isinstance(regions, tuple) else tuple(regions))


def _phone_score(value: str, regions: tuple[str, ...]) -> float | None:
    """:func:`phone_score`, computed."""
    core = _EXTENSION.sub("", value) if "x" in value or "X" in value else value
    if _STATUS_SIZE.fullmatch(core):
        # An access line's status and size, the most common reject, tested first:
        # it has separators, no "+", "00", "/" or lone ".", so every test below
        # would reach the same test and answer None too.
        return None
    bare = core.isascii() and core.isdigit()
    digits = core if bare else _NOT_DIGIT.sub("", core)
    n = len(digits)
    if n < 5 or n > 16 or len(set(digits)) <= 2:
        return None
    # dates, IPs and SSNs hold two or more of "-", "." and "/"
    seps = 0 if bare else core.count("-") + core.count(".") + core.count("/")
    if seps >= 2 and _REJECT.match(core):
        return None
    separators = len(core) - n - core.count("+")
    if separators == 1 and "." in core:
        # a decimal number; 240.1234, 312.345 or 72.12345 may be a phone (national
        # numbers written with a dot), after a context word; 1600.49 is none
        return BARE if n >= 6 and len(core) - core.index(".") > 3 else None
    if "/" in core and n < 7:
        return None  # a fraction or a counter (12/100)
    if core.startswith(("+", "00")):
        if 8 <= n <= 15:
            return VALID  # E.164 length: no need to ask the metadata
        pn = _pn()
        try:
            number = pn.parse("+" + core.lstrip("+")[2:] if core.startswith("00") else core, None)
        except pn.NumberParseException:
            return BARE
        return VALID if pn.is_possible_number(number) else BARE
    if not separators:
        # A bare run: only national forms with a trunk 0, or 11-12 digits (10-digit
        # NANP runs are phone_us_bare's), validated at home, count without context.
        home = (core[0] == "0" and 9 <= n <= 12) or 11 <= n <= 12
        if home and _valid_at_home(digits, regions):
            return SEPARATED  # a bare run valid at home: dropped by "order_id="
        return BARE
    if 7 <= n <= 13:
        return SEPARATED
    # short or long separated groups: the metadata decides
    return VALID if _valid_at_home(digits, regions) else BARE


_phone_score_cached = lru_cache(maxsize=4096)(_phone_score)
# phone_score for callers whose ``regions`` is already a tuple (one call less)
phone_score_of = _phone_score_cached


def _valid_at_home(digits: str, regions: tuple[str, ...]) -> bool:
    """Whether ``digits`` (national form, trunk prefix optional) is a fixed-line or
    mobile number of one of ``regions``, by the metadata's patterns (C-level matches)."""
    for prefix, pattern in _home_patterns(regions):
        national = digits[len(prefix) :] if prefix and digits.startswith(prefix) else digits
        if pattern.fullmatch(national):
            return True
    return False


@lru_cache(maxsize=8)
def _home_patterns(regions: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    pn = _pn()
    out: list[tuple[str, re.Pattern[str]]] = []
    for region in regions:
        meta = pn.PhoneMetadata.metadata_for_region(region)
        if meta is None:
            continue
        parts = [
            desc.national_number_pattern
            for desc in (meta.fixed_line, meta.mobile)
            if desc is not None and desc.national_number_pattern
        ]
        if parts:
            joined = "|".join(f"(?:{p})" for p in parts)
            out.append((meta.national_prefix or "", re.compile(joined)))
    return tuple(out)
