"""Literals a regex needs: strings, one of which every match of it holds.

The scrubber's gate calls a detector with ``literals`` only on texts whose
lowercased form holds one of them (one Aho-Corasick pass for all detectors).
:func:`required_literals` derives such literals from a regex, for detectors
whose matches come from regexes written elsewhere (Presidio recognizers), so
that a line none of them can match costs no regex search at all.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # stdlib; read at load time
from typing import Any

__all__ = ["required_literals"]

# Letters a case-insensitive Python regex also matches with a character that
# str.lower() does not map to them (re._casefix: i ~ U+0131 dotless i, s ~ U+017F
# long s): never part of a literal taken from an IGNORECASE pattern.
_FOLDED_ELSEWHERE = frozenset("iIsS")

_Literals = frozenset[str]


def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Lowercase ASCII strings, one of which ``text.lower()`` holds wherever
    ``pattern`` matches in ``text``; ``()`` when no such set is known.

    Literals come from runs of literal characters (zero-width assertions do not
    break a run); an alternation needs one from each branch; a group or a
    repeat of at least one holds what its content needs. Of several choices in a
    sequence, the set whose shortest literal is longest is kept (the rarest).
    Only ASCII characters are taken, and under IGNORECASE no ``i`` or ``s``, so
    that lowercasing the text never hides a match.
    """
    try:
        items = list(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # a parser of another Python version: not analysed
        return ()
    found = _sequence(items, bool(pattern.flags & re.IGNORECASE))
    return tuple(sorted(found)) if found else ()


def _better(best: _Literals | None, option: _Literals | None) -> _Literals | None:
    if not option:
        return best
    if best is None or min(map(len, option)) > min(map(len, best)):
        return option
    return best


def _sequence(items: list[tuple[Any, Any]], ignore_case: bool) -> _Literals | None:
    """Literals one of which every match of the sequence ``items`` holds, or ``None``."""
    c = sre_parse
    best: _Literals | None = None
    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            char = chr(av)
            if char.isascii() and not (ignore_case and char in _FOLDED_ELSEWHERE):
                run.append(char.lower())
                continue
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: the characters around it stay adjacent
        if run:
            best = _better(best, frozenset(["".join(run)]))
            run = []
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            inner = (ignore_case or bool(add_flags & re.IGNORECASE)) and not (
                del_flags & re.IGNORECASE
            )
            best = _better(best, _sequence(list(sub), inner))
        elif op is c.ATOMIC_GROUP:
            best = _better(best, _sequence(list(av), ignore_case))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if low >= 1:
                best = _better(best, _sequence(list(sub), ignore_case))
        elif op is c.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                needed = _sequence(list(branch), ignore_case)
                if not needed:
                    union.clear()
                    break
                union |= needed
            best = _better(best, frozenset(union) or None)
        # IN, ANY, NOT_LITERAL, GROUPREF, ...: no literal needed
    if run:
        best = _better(best, frozenset(["".join(run)]))
    return best
