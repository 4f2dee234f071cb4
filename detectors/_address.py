"""Street addresses by pattern: house number + street name + street suffix, UK and US styles,
plus international layouts (:mod:`detectors._address_intl`).

spaCy has no street-address label, so the NER tier finds the street part with
this pattern (suffixes from USPS Publication 28 and common UK thoroughfare types,
shipped in ``detectors/_data/street_suffixes.txt``), then widens it with the
flat/unit number and the town/state/postcode that follow it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from importlib import resources

from mypy_extensions import mypyc_attr

from detectors._address_intl import intl_spans
from detectors._base import Finding

__all__ = ["StreetAddressDetector", "street_suffixes"]

_SECONDARY = r"(?:Flat|Apartment|Apt\.?|Unit|Suite|Ste\.?|Studio|Room|Floor|Fl\.?|#)"
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f"
# A word of a street or town name: Title case, O'Neill, 5th, St. (for Saint).
_WORD = (
    rf"(?:[{_UPPER}](?:['\u2019][{_UPPER}])?[{_LOWER}{_UPPER}'\u2019.-]*|\d+(?:st|nd|rd|th))(?!\w)"
)
_UNIT = rf"{_SECONDARY}[ \t]*#?[A-Za-z]?\d{{1,5}}[A-Za-z]?"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[A-Z]{2}"
_US_STATE_ZIP = r"[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?"


@functools.cache
def street_suffixes() -> frozenset[str]:
    """Return the shipped street suffixes (``Street``, ``St``, ``Road``, ...).

    Returns:
        The suffixes in Title case, as listed in the data file.
    """
    text = resources.files("detectors").joinpath("_data/street_suffixes.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@functools.cache
def _pattern() -> re.Pattern[str]:
    suffixes = street_suffixes()
    alternatives = sorted(suffixes | {s.upper() for s in suffixes}, key=lambda s: (-len(s), s))
    suffix = "(?:" + "|".join(re.escape(s) for s in alternatives) + r")\.?"
    number = r"(?:H\.[ \t]?No\.[ \t]?)?\d{1,6}[A-Za-z]?(?:[-/]\d{1,6}[A-Za-z]?)?"
    street = rf"(?:{_WORD}[ \t]+){{1,4}}?{suffix}"
    head = rf"(?:{_UNIT}[ \t]*,?[ \t]*(?:{number}[ \t]+)?|{number},?[ \t]+)"
    unit_after = rf"(?:,?[ \t]+{_UNIT})?"
    town = rf"(?:,[ \t]*(?:{_WORD}[ \t]+){{0,3}}{_WORD})?"
    region = rf"(?:,?[ \t]*(?:{_US_STATE_ZIP}|{_UK_POSTCODE}))?"
    return re.compile(rf"(?<![\w/.-]){head}{street}(?![\w]){unit_after}{town}{region}")


@functools.cache
def _tail() -> re.Pattern[str]:
    """What may follow a street part: unit parts ("floor 3", "apto 12", "2º esq."),
    then a postcode and town in either order ("75-652 Ostrowiec", "Ballia 095597"),
    after a comma, a tab or two spaces."""
    sep = r"(?:,[ \t]*|\t[ \t]*|[ \t]{2,})"
    unit = (
        r"(?:(?i:floor|fl|apto|apt|apartment|suite|ste|flat|studio|unit|room|bl|sc|ap)\.?"
        r"[ \t]*#?\w{1,5}|\d{1,3}(?:º|ª|\.)[ \t]*(?:esq|dto|izq|dcha|OG|Stock|étage)\.?)"
    )
    particle = r"(?:am|an|de|do|da|del|di|dos|das|lui|sur|la|le|im|in|upon|on)"
    town = rf"[{_UPPER}][{_LOWER}]+(?:[ -](?:{particle}[ ])?[{_UPPER}][{_LOWER}]+){{0,2}}"
    post = rf"(?:[A-Z]{{1,2}}-)?\d{{2,8}}(?:[ -]\d{{2,4}})?|{_UK_POSTCODE}"
    place = rf"(?:{post})[ \t]+{town}|{town},?[ \t]+(?:{post})"
    after_uk = rf"(?<=\d[A-Z]{{2}})[ \t]{{1,2}}{town}"  # "B75 9HW North Alanborough"
    return re.compile(rf"(?:{sep}{unit})*(?:{sep}(?:{place})(?![\w-])|{after_uk}(?![\w-]))?")


@mypyc_attr(allow_interpreted_subclasses=True)
class StreetAddressDetector:
    """Finds street addresses (``12 High Street``, ``Flat 3, 7 Elm Road``,
    ``228 Tina Trail Apt. 883, Palmershire, MI 60680``) as STREET_ADDRESS.

    The suffix list is read and the pattern compiled once per process, on first
    use (not at import or in the constructor).

    Args:
        name: the detector name recorded on findings.
        score: the score given to each finding.
    """

    def __init__(self, name: str = "street_address", score: float = 0.8) -> None:
        self._name = name
        self._score = score

    @property
    def name(self) -> str:
        """Stable name of this detector."""
        return self._name

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Yield ``(start, end)`` of every street address in ``text``.

        Args:
            text: the text to search.

        Returns:
            An iterator of offsets, in order.
        """
        spans = []
        for match in _pattern().finditer(text):
            end = match.end()
            while end > match.start() and text[end - 1] in " \t,":
                end -= 1
            spans.append((match.start(), end))
        spans.extend(intl_spans(text))
        spans.sort()
        last = -1
        for start, end in spans:  # merged: overlapping or touching spans become one
            if start < last:
                continue
            merged = end
            for s2, e2 in spans:
                if start <= s2 < merged:
                    merged = max(merged, e2)
            last = merged
            tail = _tail().match(text, merged)
            if tail is not None and tail.end() > merged:
                last = tail.end()
            yield start, last

    def detect(self, text: str) -> list[Finding]:
        """Return a STREET_ADDRESS finding per street address in ``text``.

        Args:
            text: the text to search.

        Returns:
            The findings, in order.
        """
        return [
            Finding("STREET_ADDRESS", start, end, self._score, self._name)
            for start, end in self.spans(text)
        ]
