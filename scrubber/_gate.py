"""Which of a scrubber's detectors can find anything in a text, decided in C.

A text is first checked for what each detector needs (the literals of
literal-gated rules, the whole-text trigger of the others, such as a rule's
prefilter), and only the detectors that can find something are called.
The literals are found with an Aho-Corasick automaton (pyahocorasick), the
triggers with a C-level search, or with substring tests where the trigger is a
single character, or not at all in an ASCII text with no ``A-Z`` where every
match of the trigger starts with one.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # stdlib; read at build time
from collections.abc import Sequence
from typing import Any

import ahocorasick  # pyahocorasick (a C extension, no type stubs: Any to mypy)
from mypy_extensions import mypyc_attr

from detectors import Detector, cached_lower

__all__ = ["DetectorGate"]

_HITS_LIMIT = 4096  # combinations of literals remembered (hostile text has many)


@mypyc_attr(allow_interpreted_subclasses=True)
class DetectorGate:
    """Selects, per text, the detectors that can find anything in it (a superset).

    Args:
        plain: the detectors to select from (not batch detectors), in order.
    """

    def __init__(self, plain: Sequence[Detector]) -> None:
        plain = tuple(plain)
        self._plain = plain
        # Detectors gated by literals are skipped, all at once, on texts holding none
        # of their literals: one lower() and one Aho-Corasick pass per text (below).
        self._ungated = tuple(d for d in plain if not _literals(d))
        # An ungated detector with a whole-text trigger (a regex found in every text
        # it finds anything in, e.g. a rule's prefilter) is called only where that
        # matches: a C-level search instead of a call, on most texts.
        self._triggered = tuple(
            (d, re.compile(t) if (t := _trigger(d)) is not None else None) for d in self._ungated
        )
        # The hot path's tests, each answering exactly as a search of the trigger
        # would, cheaper where the trigger allows; the ASCII twins (re.ASCII: same
        # matches, no Unicode-database calls) serve ASCII texts.
        self._tests = tuple(_test(d, t, ascii_only=False) for d, t in self._triggered)
        self._tests_ascii = tuple(_test(d, t, ascii_only=True) for d, t in self._triggered)
        self._lower_needed = any(kind == _UNLESS_LOWER for _, kind, _, _ in self._tests_ascii)
        gated: dict[str, list[Detector]] = {}
        for d in plain:
            for literal in _literals(d):
                gated.setdefault(literal, []).append(d)
        # One scan of the lowercased text for every literal at once: an Aho-Corasick
        # automaton (pyahocorasick, in C) reports each occurrence of each literal.
        # Most texts hold none; in the others, the literals found select exactly the
        # detectors that declared them.
        self._literal_iter: Any = None
        if gated:
            automaton = ahocorasick.Automaton()
            for literal in gated:
                automaton.add_word(literal, literal)
            automaton.make_automaton()
            self._literal_iter = automaton.iter
        # Detectors by position in plain (detectors need not be hashable).
        index = {id(d): i for i, d in enumerate(plain)}
        self._with_literal = {
            literal: frozenset(index[id(d)] for d in ds) for literal, ds in gated.items()
        }
        # The gated detectors selected by each set of literals found (a text's
        # literals come in few combinations): one lookup instead of a set union.
        self._by_hits: dict[frozenset[str], tuple[Detector, ...]] = {}
        # Texts of ASCII digits only (ids, numbers logged as extras): when no literal
        # is made of digits alone and no trigger can match without a non-digit, none
        # of them can select its detector, and the selection is known in advance:
        # exactly what active() returns for such a text, without its searches.
        digits_only_possible = any(_all_digits(literal) for literal in gated) or not all(
            t is None or _needs_non_digit(t) for _, t in self._triggered
        )
        self._digits_active: tuple[Detector, ...] | None = (
            None if digits_only_possible else tuple(d for d, t in self._triggered if t is None)
        )

    @property
    def digits_active(self) -> tuple[Detector, ...] | None:
        """What :meth:`active` returns for every text of ASCII digits only, if known."""
        return self._digits_active

    def active(self, text: str) -> list[Detector]:
        """The detectors that can find anything in ``text`` (a superset; in order)."""
        ascii = text.isascii()
        # shared with the detectors' own literal gates
        lowered = cached_lower(text) if ascii and self._lower_needed else ""
        active: list[Detector] = []
        for d, kind, search, chars in self._tests_ascii if ascii else self._tests:
            if kind == _ALWAYS:
                active.append(d)
            elif kind == _ANY_CHAR:
                for char in chars:
                    if char in text:
                        active.append(d)
                        break
            elif (
                (kind == _SEARCH or lowered != text)  # _UNLESS_LOWER: no A-Z, no match
                and search is not None
                and search(text) is not None
            ):
                active.append(d)
        literal_iter = self._literal_iter
        if literal_iter is None:
            return active
        if not lowered:
            lowered = cached_lower(text)
        found = literal_iter(lowered)
        first = next(found, None)
        if first is None:
            return active
        hits = frozenset([first[1], *[hit[1] for hit in found]])
        try:
            active.extend(self._by_hits[hits])
        except KeyError:
            active.extend(self._selected(hits))
        return active

    def _selected(self, hits: frozenset[str]) -> tuple[Detector, ...]:
        """The gated detectors the literals ``hits`` select, in order."""
        selected: set[int] = set()
        for hit in hits:
            selected.update(self._with_literal[hit])
        plain = self._plain
        detectors = tuple(plain[i] for i in sorted(selected))
        if len(self._by_hits) >= _HITS_LIMIT:
            self._by_hits.clear()  # atomic: threads need no lock
        self._by_hits[hits] = detectors
        return detectors


# How the hot path tests a trigger (see _test).
_ALWAYS = 0  # no trigger: always called
_SEARCH = 1  # a search of the trigger
_ANY_CHAR = 2  # the trigger is one of a few characters: substring tests (memchr)
_UNLESS_LOWER = 3  # a search, skipped for ASCII texts without A-Z (the trigger needs one)

_TriggerTest = tuple[Detector, int, Any, str]


def _test(detector: Detector, trigger: re.Pattern[str] | None, *, ascii_only: bool) -> _TriggerTest:
    """The cheapest exact test of ``trigger``: (detector, kind, search, characters).

    ``ascii_only``: the test serves ASCII texts only (its search is the trigger's
    re.ASCII twin, and a trigger that needs an A-Z is skipped on texts without one).
    """
    if trigger is None:
        return (detector, _ALWAYS, None, "")
    chars = _one_of_chars(trigger)
    if chars:
        return (detector, _ANY_CHAR, None, chars)
    if not ascii_only:
        return (detector, _SEARCH, trigger.search, "")
    search = re.compile(trigger.pattern, re.ASCII).search
    if _starts_upper_ascii(trigger):
        return (detector, _UNLESS_LOWER, search, "")
    return (detector, _SEARCH, search, "")


def _parsed(pattern: re.Pattern[str]) -> list[tuple[Any, Any]] | None:
    """The parse tree of a trigger for the analyses below, or ``None``: not analysed."""
    if pattern.flags & re.IGNORECASE:
        return None  # never needed by the shipped triggers: not analysed
    try:
        return list(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # a parser of another Python version: not analysed
        return None


def _one_of_chars(pattern: re.Pattern[str]) -> str:
    """The characters, when ``pattern`` matches exactly one of at most 4 literal
    characters (``[=:]``); else ``""``."""
    items = _parsed(pattern)
    if items is None or len(items) != 1:
        return ""
    op, av = items[0]
    c = sre_parse
    if op is c.LITERAL:
        return chr(av)
    if op is c.IN and 0 < len(av) <= 4 and all(o is c.LITERAL for o, _ in av):
        return "".join(chr(v) for _, v in av)
    return ""


def _starts_upper_ascii(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` starts with a character whose ASCII
    members are all ``A-Z`` (so an ASCII text with no ``A-Z`` holds no match)."""
    items = _parsed(pattern)
    if not items:
        return False
    op, av = items[0]
    c = sre_parse
    if op is c.LITERAL:
        return bool(65 <= av <= 90)
    if op is not c.IN:
        return False  # lookarounds, groups, repeats, ...: not analysed
    for item, value in av:
        if item is c.LITERAL:
            if value < 128 and not 65 <= value <= 90:
                return False
        elif item is c.RANGE:
            low, high = value
            if low < 128 and (low < 65 or min(high, 127) > 90):
                return False
        else:  # NEGATE, CATEGORY, ...: not analysed
            return False
    return True


def _literals(detector: Detector) -> tuple[str, ...]:
    literals = getattr(detector, "literals", ())
    if isinstance(literals, tuple) and all(isinstance(x, str) and x for x in literals):
        return literals
    return ()


def _trigger(detector: Detector) -> str | None:
    """A regex source that matches somewhere in every text ``detector`` finds anything in."""
    trigger = getattr(detector, "trigger", None)
    return trigger if isinstance(trigger, str) and trigger else None


_DIGITS = frozenset("0123456789")


def _all_digits(literal: str) -> bool:
    return all(c in _DIGITS for c in literal)


def _needs_non_digit(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` needs a character other than an ASCII digit
    in the text (so it matches no text of ASCII digits only). ``False`` when unsure.
    """
    items = _parsed(pattern)
    return items is not None and _sequence_needs(items)


def _sequence_needs(items: list[tuple[Any, Any]]) -> bool:
    """A sequence needs a non-digit when any of its mandatory items does."""
    return any(_item_needs(op, av) for op, av in items)


def _item_needs(op: Any, av: Any) -> bool:
    c = sre_parse
    if op is c.LITERAL:
        return chr(av) not in _DIGITS
    if op is c.IN:
        return not _set_may_hold_digit(av)
    if op is c.BRANCH:
        return all(_sequence_needs(list(branch)) for branch in av[1])
    if op is c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return not add_flags & re.IGNORECASE and _sequence_needs(list(sub))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return bool(low >= 1 and _sequence_needs(list(sub)))
    if op is c.ATOMIC_GROUP:
        return _sequence_needs(list(av))
    if op is c.ASSERT:  # a lookahead or lookbehind that must match in the text
        _direction, sub = av
        return _sequence_needs(list(sub))
    return False  # ANY, NOT_LITERAL, AT, ASSERT_NOT, GROUPREF, ...: may match digits


_NO_DIGIT_CATEGORIES = ("CATEGORY_NOT_DIGIT", "CATEGORY_SPACE", "CATEGORY_NOT_WORD",
                        "CATEGORY_LINEBREAK")  # fmt: skip


def _set_may_hold_digit(items: list[tuple[Any, Any]]) -> bool:
    c = sre_parse
    for op, av in items:
        if op is c.LITERAL:
            if chr(av) in _DIGITS:
                return True
        elif op is c.RANGE:
            low, high = av
            if low <= ord("9") and high >= ord("0"):
                return True
        elif op is c.CATEGORY:
            if getattr(av, "name", "") not in _NO_DIGIT_CATEGORIES:
                return True
        else:  # NEGATE, RANGE_UNI_IGNORE, ...: not analysed
            return True
    return False
