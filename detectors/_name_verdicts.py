"""The verdicts of the no-model PERSON tier: is a run of capitalised words a name?

:class:`NameVerdicts` holds the rules that decide one run in its context (titles,
known given names and surnames, cue words, subject positions); its subclass
:class:`~detectors._names.NameRules` finds the runs and keeps the hot path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mypy_extensions import mypyc_attr

from detectors._name_shapes import (
    AFTER,
    AFTER_WORDS,
    FIELD_EDGES,
    NAME_PREFIX,
    SAID,
    SUFFIX,
    WORDS,
    mid_sentence,
    word_before,
)
from detectors._name_words import AMBIGUOUS_NAMES, ROLES, STRONG_CUES, TITLES, WEAK_CUES

__all__ = ["NameRun", "NameVerdicts"]


@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class NameRun:
    """A run of capitalised words in a text and what the rules concluded about it.

    Attributes:
        start: offset of the first character.
        end: offset one past the last character.
        person: the rules say it is a person's name.
        candidate: the model should look at it (not a person by rule, not log words).
        likely: a candidate in a subject position (``X Y logged in``, ``X Y's``): a
            person unless the model calls it something else (an organisation, ...).
    """

    start: int
    end: int
    person: bool
    candidate: bool
    likely: bool = False


@mypyc_attr(allow_interpreted_subclasses=True)
class NameVerdicts:
    """How one capitalised run is judged; the word sets are set by the subclass."""

    _first: frozenset[str]
    _last: frozenset[str]
    _stop: frozenset[str]
    _cues: frozenset[str]
    _subject: bool
    _single: bool

    def _cued(self, before: str) -> bool:
        word = word_before(before)[0].lower()
        return word in STRONG_CUES or word in self._cues

    def is_stop(self, word: str) -> bool:
        """Say whether ``word`` is a common non-name word.

        Args:
            word: one capitalised word.

        Returns:
            True for log words and English stop words.
        """
        return word in self._stop

    def _caps(self, text: str, match: re.Match[str]) -> list[NameRun]:
        words = [(m.start(), m.end(), m.group().capitalize()) for m in WORDS.finditer(match[0])]
        while words and self.is_stop(words[0][2]):
            words.pop(0)
        while words and self.is_stop(words[-1][2]):
            words.pop()
        if len(words) == 1 and self._single and words[0][2] in self._last:
            return [NameRun(match.start() + words[0][0], match.start() + words[0][1], True, False)]
        if len(words) < 2:
            return []
        # "JOHN SMITH FLAGGED FOR REVIEW": a name is two or three words; keep the
        # third only when a list knows it.
        words = words[:3]
        if len(words) == 3 and words[2][2] not in self._last and words[2][2] not in self._first:
            words = words[:2]
        start = match.start() + words[0][0]
        if (
            words[0][2] not in self._first
            and words[-1][2] not in self._last
            and not self._cued(text[max(0, start - 40) : start])
        ):
            return []
        if any(self.is_stop(w) and len(w) > 2 for _, _, w in words):
            return []
        return [NameRun(start, match.start() + words[-1][1], True, False, False)]

    def _classify(self, text: str, start: int, end: int) -> list[tuple[int, int, bool, bool, bool]]:
        """The verdict on the run ``text[start:end]``: ``[(start, end, person, candidate,
        likely)]`` (the fields of :class:`NameRun`), or ``[]`` if only common words."""
        stop = self._stop  # (is_stop, inlined: this is the slow path's inner loop)
        spans = [m.span() for m in WORDS.finditer(text, start, end)]
        names = [text[a:b] for a, b in spans]
        n = len(spans)
        lone = n == 1
        # Drop leading log words ("Failed John Smith" -> "John Smith"); a role word
        # among them ("General Anatoly Shkirko") marks what follows as a name.
        role = False
        i = 0
        while i < n and names[i] in stop:
            head = names[i]
            if head in AMBIGUOUS_NAMES and n - i >= 2 and names[i + 1] in self._last:
                break  # "Will Smith": a name-word before a known surname
            role = role or head.lower() in ROLES
            i += 1
        if i == n:
            return []
        known_first = names[i] in self._first and n - i >= 2
        j = n
        while not known_first and j > i and names[j - 1] in stop:
            j -= 1
        if j == i:
            return []
        words = spans[i:j]
        names = names[i:j]
        start, end = words[0][0], words[-1][1]
        before = text[max(0, start - 40) : start]
        word, sep, at = word_before(before)
        low = word.lower()
        first = names[0]
        tokens = [w for w in names if w[0].isupper()]
        suffix = SUFFIX.match(text, end)
        if suffix is not None:
            end = suffix.end()
        person = False
        if low.rstrip(".") in TITLES and not sep.strip() and word[:1].isalpha():
            person = True
            start = start - len(before) + at
        elif (
            (first in self._first and len(tokens) >= 2)
            or (
                len(tokens) >= 2
                and tokens[-1] in self._last
                and (first in AMBIGUOUS_NAMES or first not in stop)
            )
            or (role and first not in stop)
        ):
            person = True
        elif low in STRONG_CUES or low in ROLES or low in self._cues:
            person = len(tokens) >= 2 or first in self._first or first not in stop
        elif len(tokens) >= 2 and low in WEAK_CUES and sep and not sep.strip():
            person = stop.isdisjoint(tokens)
        elif (
            len(word) == 2
            and word[0].isupper()
            and word[1] == "."
            and len(sep) <= 1
            and first not in stop
            and not (at and (before[at - 1].isalnum() or before[at - 1] == "."))
        ):
            person = True  # "A. Kumble", "K. Curran"
            start = start - len(before) + at
        elif (
            self._subject
            and 2 <= len(tokens) <= 3
            and mid_sentence(before, word, sep)
            and stop.isdisjoint(tokens)
        ):
            person = True  # "... beat Moin Khan", "... seed Gete Wami": mid-sentence pair
        elif (
            self._subject
            and 2 <= len(tokens) <= 3
            and (text[start - 1] if start else "") in FIELD_EDGES
            and text[end : end + 1] in FIELD_EDGES
            and all(t not in stop and t.isalpha() for t in tokens)
        ):
            person = True  # a whole field or value: "\tJarmila Šimková\t", "Beatrix Nemes"
        if (
            not person
            and self._single
            and len(words) == 1
            and (first in self._last or first in self._first)
            and first not in stop
        ):
            person = True  # a lone known surname or given name: "Daschle was ...", "Sarah"
        elif (
            not person
            and self._subject
            and self._single
            and len(words) == 1
            and len(first) >= 4
            and first not in stop
            and lone
            and mid_sentence(before, word, sep)
            and word.lower() not in AFTER_WORDS
        ):
            person = True  # a lone proper noun mid-sentence: "keep Graf from", "beat Rios"
        if not person and len(words) >= 3:
            # "Prime Minister Benjamin Netanyahu": a known given name inside the run.
            for (a, _), inner in zip(words[1:-1], names[1:-1], strict=True):
                if inner in self._first:  # (an inner word: whitespace follows it)
                    person, start = True, a
                    break
        candidate = not person and not stop.issuperset(tokens)
        likely = (
            candidate
            and len(tokens) >= 2
            and AFTER.match(text, end) is not None
            and stop.isdisjoint(tokens)
        ) or (
            candidate
            and len(words) == 1
            and len(first) >= 3
            and first not in stop
            and SAID.match(text, end) is not None
        )
        if likely and self._subject:
            person, candidate = True, False
        return [(start, end, person, candidate, likely)]

    def plausible_person(self, span: str) -> bool:
        """Say whether a model's PERSON span looks like a name rather than log syntax.

        Args:
            span: the text of the span.

        Returns:
            False for spans with digits, code punctuation, all-caps or CamelCase
            words, or only log words.
        """
        if any(ch.isdigit() or ch in "_/\\=@<>{}[]()|:;$%#" for ch in span):
            return False
        words = span.replace(".", " ").split()
        if not words:
            return False
        for word in words:
            core = word.strip("'\u2019,-")
            if len(core) > 1 and core.isupper():
                return False
            inner = NAME_PREFIX.sub("", core)[1:]
            if any(ch.isupper() for ch in inner) and "-" not in core and "'" not in core:
                return False
        return not all(self.is_stop(w.capitalize()) for w in words)
