"""Text shapes, regexes and word lists of the no-model name rules (:mod:`detectors._names`).

Compiled once at import (regexes only; the word lists are read on first use).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from detectors._name_words import AMBIGUOUS_NAMES, TITLES

__all__ = [
    "AFTER",
    "AFTER_WORDS",
    "CAPS",
    "CAPS_HINT",
    "CAPS_RUN",
    "CAP_WORD",
    "FIELD_EDGES",
    "KEY_CAP",
    "KEY_TAIL",
    "LOWER",
    "MEMO_SIZE",
    "MID_CHARS",
    "NAME_PREFIX",
    "PARTICLE",
    "RUN",
    "SAID",
    "SUFFIX",
    "TITLE_TAIL",
    "TOKEN",
    "UPPER",
    "WORDS",
    "first_names",
    "mid_sentence",
    "read_list",
    "street_words",
    "surnames",
    "title_start",
    "word_before",
]

# Latin Extended-A (Š, Ž, Ř, Ő, ...) mixes cases; it counts as both.
UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f"
LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f"
# One capitalised name word: Smith, O'Neill, McDonald, Phillips-Roberts, Neuschäfer.
# Starts with a plain character class, so the regex engine skips ahead to capitals
# in C (a leading look-behind or optional group would try every position).
TOKEN = (
    rf"[{UPPER}](?:['\u2019][{UPPER}]|(?<=M)a?c[{UPPER}])?[{LOWER}]++"
    rf"(?:-[{UPPER}]?[{LOWER}]++)*"
)
WORDS = re.compile(r"\S+")
CAP_WORD = re.compile(rf"[{UPPER}][{LOWER}]++")
# A key before a capitalised value ("user: Zindra", "name=Zindra"): found from the
# ':'/'=' (fast), then the key words are looked up.
KEY_CAP = re.compile(rf"[:=][ \t\"']*[{UPPER}][{LOWER}]")
KEY_TAIL = re.compile(r"(?<![A-Za-z_])([A-Za-z_]+)[\"']?[ \t]*\Z")
PARTICLE = r"(?:van|von|de|der|den|da|del|della|di|du|le|la|dos|das|bin|al|ter)"
RUN = re.compile(
    rf"[{UPPER}](?<![\w.@/\\-].)(?:['\u2019][{UPPER}]|(?<=M)a?c[{UPPER}])?[{LOWER}]++"
    rf"(?:-[{UPPER}]?[{LOWER}]++)*(?:[ \t]++(?:{PARTICLE}[ \t]++){{0,2}}{TOKEN}){{0,3}}"
    r"(?![\w@/\\]|\.\w)"
)
# Names in capitals (card holder "JOHN SMITH"): only with a known first name. The
# capitals of Latin-1 and of Latin Extended-A (Š, Ž, Ł, Ő: "HORYMÍR KAŠPAROVÁ").
CAPS = "A-Z\u00c0-\u00d6\u00d8-\u00de" + "".join(
    chr(c) for c in range(0x100, 0x180) if chr(c).isupper()
)
# Whether a text holds two words in capitals (a yes/no test: the match's end is
# never used). One plain class first, so sre skips to capitals in C (a leading
# repeat would be tried at every position), then possessive runs: half the time.
CAPS_HINT = re.compile(rf"[{CAPS}][{CAPS}]++[ \t]++[{CAPS}]{{2}}")
CAPS_RUN = re.compile(
    rf"(?<![\w.@/\\-])[{CAPS}]{{2,}}(?:['-][{CAPS}]+)?"
    rf"(?:[ \t]+[{CAPS}]+(?:['-][{CAPS}]+)?){{1,4}}(?![\w@/\\])"
)
# After a capitalised pair: a possessive, a past-tense verb, "and Name" (a subject),
# or a country or team in brackets ("Hernan Gumy ( Argentina )").
AFTER = re.compile(
    r"(?:['\u2019]s(?!\w)|[ \t]+(?:has[ \t]+|had[ \t]+|was[ \t]+)?[a-z]{2,}ed(?!\w)"
    r"|[ \t]+and[ \t]+[A-Z]|:[ \t]+[a-z]|>|[ \t]*\([ \t]?[A-Z][a-z]+[ \t]?\))"
)
# After a lone surname: a reporting verb ("Daschle said", "Lebed 's").
SAID = re.compile(
    r"[ \t]*(?:['\u2019][ \t]?s(?!\w)|,[ \t]+(?:who|whose|the|a|an)[ \t]"
    r"|[ \t]+(?:said|says|told|added|noted|asked|replied|wrote|was|is|has|had|will|would"
    r"|scored|won|beat|led|gave|made)(?!\w))"
)
SUFFIX = re.compile(r",?[ \t]+(?:Jr\.?|Sr\.?|II|III|IV|MD|PhD|DDS|DVM|MBA|Esq\.?)(?!\w)")
MEMO_SIZE = 8192
# Surname prefixes written joined to a capital: McDonald, DeFreitas, LaRue, VanDyke.
NAME_PREFIX = re.compile(r"^(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|Fitz)(?=[A-Z][a-z])")
# A title ending right before a run, as :func:`word_before` reads it ("Mr. ", "dr ").
_TITLE_ENDS = frozenset(t[-2:] for t in TITLES)
TITLE_TAIL = re.compile(rf"(?<![\w.\-])(?i:{'|'.join(sorted(TITLES))})\.*[ \t]+\Z")
# Before a lone capitalised word, these introduce places and organisations, not people.
AFTER_WORDS = frozenset(
    "in at on from into near of the a an to for via across outside inside".split()  # noqa: SIM905
)
# What may stand on either side of a whole field or value (a string alone, a
# tab-, comma- or bar-separated field, a quoted value).
FIELD_EDGES = frozenset(["", "\t", '"', "|", ",", ";"])
MID_CHARS = frozenset(",;(\t<|\"'=*\u2022-")


def mid_sentence(before: str, word: str, sep: str) -> bool:
    """Say whether a run starts mid-sentence: after a lower-case word or a separator."""
    stripped = before.rstrip(" \t")
    if stripped and stripped[-1] in MID_CHARS:
        return True
    return len(word) >= 2 and word.isalpha() and word.islower() and bool(sep) and not sep.strip()


def title_start(text: str, start: int) -> int | None:
    """Where :data:`TITLE_TAIL` matches in ``text[max(0, start - 12):start]``, or None.

    The same answer as ``TITLE_TAIL.search(text, max(0, start - 12), start)``, without
    the regex trying every start position: the title must be the whole word before
    the dots and blanks that end the window. Words with non-ASCII letters (which
    case-fold to ASCII ones: "\u017f", "\u212a") and words that reach the window's
    start fall back to the regex.
    """
    low = max(0, start - 12)
    tail = text[low:start].rstrip(" \t")
    if len(tail) == start - low:
        return None  # no blank before the run
    tail = tail.rstrip(".")
    end = tail[-2:]  # every title has 2+ letters: most words end unlike any title
    if end.isascii() and end.lower() not in _TITLE_ENDS:
        return None
    i = len(tail)
    while i and (tail[i - 1].isalnum() or tail[i - 1] == "_"):
        i -= 1
    word = tail[i:]
    if not word:
        return None
    if (not i and low) or not word.isascii():
        match = TITLE_TAIL.search(text, low, start)
        return None if match is None else match.start()
    if word.lower() not in TITLES or (i and tail[i - 1] in ".-"):
        return None
    return low + i


def word_before(before: str) -> tuple[str, str, int]:
    """The word right before a run: ``(word, what separates it from the run, its offset)``.

    Scans back from the end instead of a ``$``-anchored regex search (which tries
    every start position): this is the hot path of the no-model tier.
    """
    j = len(before)
    while j and before[j - 1] in " \t\"':=":
        j -= 1
    i = j
    while i and (before[i - 1].isalnum() or before[i - 1] in "_."):
        i -= 1
    if i and before[i - 1] == "-":
        return "", before[j:], j
    return before[i:j], before[j:], i


def read_list(name: str) -> frozenset[str]:
    path = resources.files("detectors").joinpath("_data").joinpath(name)
    text = path.read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@functools.cache
def street_words() -> frozenset[str]:
    """Street-type words (``Trail``, ``Bridge``, ``Port``): part of addresses, not names."""
    return frozenset(w.capitalize() for w in read_list("street_suffixes.txt") if len(w) > 2)


@functools.cache
def first_names() -> frozenset[str]:
    """Return the shipped given-name lists (Title case).

    Returns:
        About 5,100 first names from the US Census 1990 files, and half of
        Faker's given names of 28 locales (``given_names.txt``; the other half
        is held out for the evaluation).
    """
    return (read_list("first_names.txt") | read_list("given_names.txt")) - AMBIGUOUS_NAMES


@functools.cache
def surnames() -> frozenset[str]:
    """Return the shipped surname list (Title case): half of Faker's surnames of 28
    locales (``surnames.txt``; the other half is held out for the evaluation)."""
    return read_list("surnames.txt") - AMBIGUOUS_NAMES
