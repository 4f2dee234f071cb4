"""Which of a scrubber's detectors can find anything in a text, decided in C.

A text is first checked for what each detector needs (the literals of
literal-gated rules, the whole-text trigger of the others, such as a rule's
prefilter), and only the detectors that can find something are called.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # stdlib; read at build time
from collections.abc import Sequence
from typing import Any

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
        # of their literals: one lower() and a few substring tests per text.
        self._ungated = tuple(d for d in plain if not _literals(d))
        # An ungated detector with a whole-text trigger (a regex found in every text
        # it finds anything in, e.g. a rule's prefilter) is called only where that
        # matches: a C-level search instead of a call, on most texts.
        self._triggered = tuple(
            (d, re.compile(t) if (t := _trigger(d)) is not None else None) for d in self._ungated
        )
        # the same, as (detector, bound search or None), for the hot path, and with
        # re.ASCII twins for ASCII texts (same matches, no Unicode-database calls)
        self._trigger_searches = tuple(
            (d, None if t is None else t.search) for d, t in self._triggered
        )
        self._trigger_searches_ascii = tuple(
            (d, None if t is None else re.compile(t.pattern, re.ASCII).search)
            for d, t in self._triggered
        )
        gated: dict[str, list[Detector]] = {}
        for d in plain:
            for literal in _literals(d):
                gated.setdefault(literal, []).append(d)
        # One scan of the lowercased text for all literals at once (a trie-shaped
        # regex: it matches the longest literal starting at each position). Most
        # texts hold none; in the others, the literals found select the detectors,
        # each with those of every literal it contains or can run into (those a
        # scan that skips the match's inside could miss): a superset, never less.
        self._any_literal = re.compile(_trie(list(gated))) if gated else None
        any_literal = self._any_literal
        self._literal_scan = (
            None if any_literal is None else (any_literal.search, any_literal.findall)
        )
        # Detectors by position in plain (detectors need not be hashable).
        index = {id(d): i for i, d in enumerate(plain)}
        self._with_literal = {
            a: frozenset(
                index[id(d)]
                for b, ds in gated.items()
                if b in a or any(b.startswith(a[i:]) for i in range(1, len(a)))
                for d in ds
            )
            for a in gated
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
        searches = self._trigger_searches_ascii if text.isascii() else self._trigger_searches
        active = [d for d, search in searches if search is None or search(text) is not None]
        scan = self._literal_scan
        if scan is None:
            return active
        lowered = cached_lower(text)  # shared with the detectors' own literal gates
        first = scan[0](lowered)
        if first is None:
            return active
        hits = frozenset(scan[1](lowered, first.start()))
        try:
            active.extend(self._by_hits[hits])
        except KeyError:
            active.extend(self._selected(hits))
        return active

    def _selected(self, hits: frozenset[str]) -> tuple[Detector, ...]:
        """The gated detectors the literals ``hits`` (trie matches) select, in order."""
        selected: set[int] = set()
        for hit in hits:
            selected.update(self._with_literal[hit])
        plain = self._plain
        detectors = tuple(plain[i] for i in sorted(selected))
        if len(self._by_hits) >= _HITS_LIMIT:
            self._by_hits.clear()  # atomic: threads need no lock
        self._by_hits[hits] = detectors
        return detectors


def _literals(detector: Detector) -> tuple[str, ...]:
    literals = getattr(detector, "literals", ())
    if isinstance(literals, tuple) and all(isinstance(x, str) and x for x in literals):
        return literals
    return ()


def _trie(words: list[str]) -> str:
    """A regex matching any of ``words`` (non-empty), shaped as a trie: at each
    position, the longest word starting there matches.
    """
    branches: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        branches.setdefault(word[0], []).append(word[1:])
    alternatives = []
    for char, rests in branches.items():
        longer = [r for r in rests if r]
        tail = _trie(longer) if longer else ""
        if longer and "" in rests:
            tail = f"(?:{tail})?"
        alternatives.append(re.escape(char) + tail)
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


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
    if pattern.flags & re.IGNORECASE:
        return False  # never needed by the shipped triggers: not analysed
    try:
        return _sequence_needs(list(sre_parse.parse(pattern.pattern, pattern.flags)))
    except Exception:  # a parser of another Python version: not analysed
        return False


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
