"""PERSON without a model: name lists, capitalisation, position and context words.

Cheap enough for the logging path (on by default): the engine calls it only on
texts with a Title-case word (a C-level search); it goes on only where a C-level
:data:`PAIR` search matches or a lone Title-case word is a known name or follows
a key such as ``user:``; runs made of a known name are decided by set lookups,
the rest by a few regex scans and lookups (:class:`detectors._names.NameRules`).
Once a full name is found, a lone later mention of its surname in the same text
is a name too ("... Kovács closed it"). Names in capitals ("JOHN SMITH") need a
known given name or surname, or a context word before them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from mypy_extensions import mypyc_attr

from detectors._base import Finding
from detectors._names import SAID, NameRules

__all__ = ["PERSON_TRIGGER", "PersonNameDetector"]

_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f"
_LOW = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f"
# Matches in every text the rules can find a name in: a capitalised word (or a
# title "Mr.") followed by another, in Title case or capitals. A C-level scan.
# Where the rules may find a name beyond a known word: a capitalised word pair (or a
# title "Mr." and a word) in Title case or capitals, an initial and a word ("A.
# Kumble"), a Title-case word of 4+ letters after a lower-case word ("beat Rios"),
# a Title-case word before a reporting verb ("Gress said").
# One leading class, then the shapes: sre skips to capitals in C; possessive runs
# (``++``) give up at once instead of backtracking letter by letter.
PAIR = (
    rf"[{_UP}](?:[{_LOW}]++\.?[ \t]+[{_UP}]|[{_UP}]++[ \t]+[{_UP}]{{2}}"
    rf"|\.[ \t]?[{_UP}][{_LOW}]|(?<=[a-z][ \t].)[{_LOW}]{{3}}"
    rf"|[{_LOW}]{{2,}}+(?={SAID.pattern}))"
)
# The engine's gate: any word in Title case, or a pair in capitals (C-level). On
# texts with no pair, ``detect`` goes on only if a lone Title-case word is a known
# name or follows a context word ("Amanda is ...", "user: Zindra").
PERSON_TRIGGER = rf"[{_UP}](?:[{_LOW}]|[{_UP}]++[ \t]+[{_UP}]{{2}})"
_PAIR = re.compile(PAIR)
_SURNAME_MIN = 3
_FOLD_DIGITS = bytes.maketrans(b"123456789", b"000000000")  # bytes: 10x faster than str
_MEMO_SIZE = 4096
_MEMO_TEXT = 512


@mypyc_attr(allow_interpreted_subclasses=True)
class PersonNameDetector:
    """Finds person names by rules and lists alone (no model), for the default tier.

    Args:
        rules: the name rules to use (default: shipped lists, subject position
            counts as a person).
        score: the score of each finding.
        name: the detector name recorded on findings.
    """

    def __init__(
        self, rules: NameRules | None = None, *, score: float = 0.7, name: str = "person_names"
    ) -> None:
        self._given_rules = rules
        self._rules: NameRules | None = rules
        self._lock = threading.Lock()
        self._score = score
        self._name = name
        self._memo: dict[bytes, tuple[Finding, ...]] = {}
        # Findings are immutable and depend on their offsets alone: made once each.
        self._findings: dict[tuple[int, int], Finding] = {}

    @property
    def name(self) -> str:
        """Stable name of this detector."""
        return self._name

    @property
    def trigger(self) -> str:
        """A regex found in every text this detector finds anything in (engine gate)."""
        return PERSON_TRIGGER

    def clear_cache(self) -> None:
        """Forget every remembered verdict (texts and runs); for benchmarks and tests."""
        self._memo.clear()
        self._findings.clear()
        self._get_rules().clear_cache()

    def _get_rules(self) -> NameRules:
        rules = self._rules
        if rules is None:
            with self._lock:
                if self._rules is None:
                    self._rules = NameRules(subject_is_person=True)
                rules = self._rules
        return rules

    def detect(self, text: str) -> list[Finding]:
        """Return a PERSON finding per name found in ``text``.

        Args:
            text: one log line or message.

        Returns:
            The findings, in order.
        """
        rules = self._get_rules()
        pair = _PAIR.search(text)
        if pair is None and not rules.may_hold_single(text):
            return []
        # Log lines that differ only in their digits (ids, counts, times) hold the
        # same names at the same offsets: remembered by the text with digits folded.
        key = (
            text.encode("utf-8", "surrogatepass").translate(_FOLD_DIGITS)
            if len(text) <= _MEMO_TEXT
            else None
        )
        if key is not None:
            hit = self._memo.get(key)
            if hit is not None:
                return list(hit)
        # Two words in capitals always match PAIR: looked for from its first match on.
        spans = rules.person_spans(text, None if pair is None else pair.start())
        if spans:
            spans.extend(lone_surnames(text, spans))
        spans.sort()
        made = self._findings
        if len(made) >= _MEMO_SIZE:
            made.clear()
        found = []
        for span in spans:
            finding = made.get(span)
            if finding is None:
                finding = made[span] = Finding("PERSON", span[0], span[1], self._score, self._name)
            found.append(finding)
        if key is not None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = tuple(found)
        return found


def lone_surnames(text: str, names: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return later whole-word mentions of the last word of each name in ``names``.

    Args:
        text: the text the names were found in.
        names: ``(start, end)`` of full names (two words or more).

    Returns:
        Spans of the same surname standing alone elsewhere in the text.
    """
    spans = list(names)
    found: list[tuple[int, int]] = []
    surnames: set[str] = set()
    for start, end in spans:
        piece = text[start:end]
        if " " not in piece and "\t" not in piece:
            continue
        last = piece.rsplit(None, 1)[-1].strip(".,;:'\u2019\"")
        # Most texts name each person once: one C-level count settles it.
        if len(last) < _SURNAME_MIN or not last[0].isupper():
            continue
        if text.count(last) >= 2:
            surnames.add(last)
        if "-" in last:
            surnames.update(p for p in last.split("-") if len(p) >= _SURNAME_MIN)
    for surname in surnames:
        if text.count(surname) < 2:
            continue
        for m in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text):
            if not any(a <= m.start() < b for a, b in spans + found):
                found.append((m.start(), m.end()))
    return found
