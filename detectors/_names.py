"""Cheap person-name evidence that needs no model, and the NER prefilter built on it.

spaCy's small model misses many names in log-shaped text, so three boosts run
beside it: a title (``Mr``, ``Dr``) before capitalised words; a first name from
the shipped list (US Census 1990, public domain: ``detectors/_data/first_names.txt``)
followed by a capitalised word; and a whole-word context cue (``user``,
``customer``, ``name``, ``dear``; weaker: ``for``, ``to``, ``by``) before a
capitalised word pair. The same scan says which capitalised "name runs" the model
still has to look at, so lines without any go nowhere near it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from detectors._name_shapes import (
    AFTER,
    AFTER_WORDS,
    CAP_WORD,
    CAPS_HINT,
    CAPS_RUN,
    FIELD_EDGES,
    KEY_CAP,
    KEY_TAIL,
    MEMO_SIZE,
    NAME_PREFIX,
    RUN,
    SAID,
    SUFFIX,
    TITLE_TAIL,
    WORDS,
    first_names,
    mid_sentence,
    read_list,
    street_words,
    surnames,
    word_before,
)
from detectors._name_words import AMBIGUOUS_NAMES, LOG_WORDS, ROLES, STRONG_CUES, TITLES, WEAK_CUES

__all__ = ["AMBIGUOUS_NAMES", "SAID", "NameRules", "NameRun", "first_names", "surnames"]


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


class NameRules:
    """Finds capitalised word runs and decides, without a model, which are names.

    Args:
        stop_words: capitalised words that are not names on their own, in addition
            to the built-in log words (spaCy's English stop words are passed in).
    """

    def __init__(
        self,
        stop_words: frozenset[str] = frozenset(),
        *,
        given: frozenset[str] | None = None,
        family: frozenset[str] | None = None,
        subject_is_person: bool = False,
        cues: frozenset[str] = frozenset(),
        single_names: bool = True,
        place_words: bool = True,
    ) -> None:
        self._first = first_names() if given is None else given
        self._last = surnames() if family is None else family
        english = read_list("stop_words.txt")
        not_names: set[str] = set()
        if place_words:
            not_names = {w for line in read_list("not_names.txt") for w in line.split()}
            not_names |= street_words()
        self._stop = LOG_WORDS | not_names | {w.capitalize() for w in stop_words | english}
        self._subject = subject_is_person
        self._cues = cues
        self._single = single_names
        self._memo: dict[tuple[object, ...], tuple[tuple[int, int, bool, bool, bool], ...]] = {}
        # A lone capitalised word can be a name only if a list knows it or a
        # context word stands before it: both checked in C before any other work.
        # Two-letter names ("Jo", "Al") alone are too often something else.
        self._known_single = (
            frozenset(w for w in (self._first | self._last) - self._stop if len(w) >= 3)
            if single_names
            else frozenset()
        )
        self._cue_words = STRONG_CUES | cues

    def clear_cache(self) -> None:
        """Forget the remembered verdicts of runs in context."""
        self._memo.clear()

    def lower_given_names(self) -> frozenset[str]:
        """The known given names that are no common word, in lower case ("freddie").

        Returns:
            Names of 4+ letters, lower case.
        """
        return frozenset(
            n.lower() for n in self._first if len(n) >= 4 and n.isalpha() and n not in self._stop
        ) - {w.lower() for w in self._stop}

    def may_hold_single(self, text: str) -> bool:
        """Say whether a text with no capitalised pair can hold a name (cheap, in C).

        Args:
            text: one log line or message.

        Returns:
            True if a Title-case word of it is a known name, or a context word
            ("user", "dear", a title, a role) stands right before a capital.
        """
        if not self._known_single.isdisjoint(CAP_WORD.findall(text)):
            return True
        for match in KEY_CAP.finditer(text):
            key = KEY_TAIL.search(text, max(0, match.start() - 24), match.start())
            if key is not None and key[1].lower() in self._cue_words:
                return True
        return False

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

    def runs(self, text: str) -> list[NameRun]:
        """Classify every capitalised word run in ``text``.

        Args:
            text: one log line or message.

        Returns:
            The runs in order, each marked person / candidate.
        """
        return [NameRun(*r) for r in self._scan(text)]

    def person_spans(self, text: str) -> list[tuple[int, int]]:
        """Return ``(start, end)`` of each run the rules call a person (the hot path).

        Args:
            text: one log line or message.

        Returns:
            The spans, in order.
        """
        return [(r[0], r[1]) for r in self._scan(text) if r[2]]

    def _scan(self, text: str) -> list[tuple[int, int, bool, bool, bool]]:
        found: list[tuple[int, int, bool, bool, bool]] = []
        memo = self._memo
        stop = self._stop
        first, last = self._first, self._last
        for match in RUN.finditer(text):
            group = match.group()
            if group in stop:  # one common word ("Nov", "Studio", "Redis"): never a name
                continue
            words = group.split()
            if len(words) == 1:
                found.append(self._lone(text, *match.span()))
                continue
            if len(words) > 1:
                head = words[0]
                if (head in first and head not in stop) or (
                    "-" in head and first.issuperset(head.split("-"))
                ):  # "Jean-Pierre": both parts known
                    # A known given name first: a name whatever follows ("Olivia
                    # Lakes Apt" is cut by the address tier, which wins overlaps).
                    found.append(self._known(text, *match.span()))
                    continue
                if stop.isdisjoint(words):
                    if words[0] in first or words[-1] in last:
                        # The common case, decided by set lookups alone: a known given
                        # name or surname in a run of no common words ("Maria Kovács").
                        found.append(self._known(text, *match.span()))
                        continue
                elif stop.issuperset(words):
                    continue  # only common words ("Bad Gateway", "Internal Server Error")
                elif words[0] in stop:
                    # Leading common words, then a known name ("Dear Jodie Phillips").
                    k = 1
                    while words[k] in stop:
                        k += 1
                    rest = words[k:]
                    if (
                        len(rest) > 1
                        and rest[0][0].isupper()
                        and stop.isdisjoint(rest)
                        and (rest[0] in first or rest[-1] in last)
                        and AMBIGUOUS_NAMES.isdisjoint(words[:k])
                    ):
                        s = match.end() - len(group.split(None, k)[-1])
                        found.append(self._known(text, s, match.end()))
                        continue
            s, e = match.span()
            # A run's verdict depends on its words, the word and separator before it
            # and a little text after it: remembered by those, so a name logged
            # again in the same context costs a dict lookup.
            before = text[max(0, s - 40) : s]
            word, sep, at = word_before(before)
            key = (
                group,
                word,
                sep,
                before[at - 1 : at],
                before.rstrip(" \t")[-1:],
                AFTER.match(text, e) is not None,
                SAID.match(text, e) is not None,
                SUFFIX.match(text, e) is not None and text[e : e + 8],
                text[s - 1 : s],  # a whole field: what stands right around it
                text[e : e + 1],
            )
            hit = memo.get(key)
            if hit is None:
                hit = tuple(
                    (r.start - s, r.end - s, r.person, r.candidate, r.likely)
                    for r in self._classify(text, s, e)
                )
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[key] = hit
            found.extend((s + a, s + b, p, c, lk) for a, b, p, c, lk in hit)
        if CAPS_HINT.search(text):
            for match in CAPS_RUN.finditer(text):
                found.extend(
                    (r.start, r.end, r.person, r.candidate, r.likely)
                    for r in self._caps(text, match)
                )
            found.sort(key=lambda r: r[0])
        return found

    def _lone(self, text: str, start: int, end: int) -> tuple[int, int, bool, bool, bool]:
        """One capitalised word that is not a common word: :meth:`_classify`'s verdict
        for it, reached with one look back and a few set lookups."""
        word_ = text[start:end]
        before = text[max(0, start - 40) : start]
        word, sep, at = word_before(before)
        low = word.lower()
        suffix = SUFFIX.match(text, end)
        if suffix is not None:
            end = suffix.end()
        if low.rstrip(".") in TITLES and not sep.strip() and word[:1].isalpha():
            return (start - len(before) + at, end, True, False, False)
        if low in STRONG_CUES or low in ROLES or low in self._cues:
            return (start, end, True, False, False)
        if (
            len(word) == 2
            and word[0].isupper()
            and word[1] == "."
            and len(sep) <= 1
            and not (at and (before[at - 1].isalnum() or before[at - 1] == "."))
        ):
            return (start - len(before) + at, end, True, False, False)  # "A. Kumble"
        if self._single and (word_ in self._last or word_ in self._first):
            return (start, end, True, False, False)
        if (
            self._subject
            and self._single
            and len(word_) >= 4
            and mid_sentence(before, word, sep)
            and low not in AFTER_WORDS
        ):
            return (start, end, True, False, False)
        candidate = word_[0].isupper()
        if candidate and len(word_) >= 3 and SAID.match(text, end) is not None:
            if self._subject:
                return (start, end, True, False, True)
            return (start, end, False, True, True)
        return (start, end, False, candidate, False)

    @staticmethod
    def _known(text: str, start: int, end: int) -> tuple[int, int, bool, bool, bool]:
        """A person run found by the lists: widened by a title before it, a suffix after."""
        if start and text[start - 1] in " \t":
            title = TITLE_TAIL.search(text, max(0, start - 12), start)
            if title is not None:
                start = title.start()
        if text[end : end + 1] in (",", " ", "\t"):
            suffix = SUFFIX.match(text, end)
            if suffix is not None:
                end = suffix.end()
        return (start, end, True, False, False)

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

    def _classify(self, text: str, start: int, end: int) -> list[NameRun]:
        words = [(m.start() + start, m.end() + start) for m in WORDS.finditer(text[start:end])]
        lone = len(words) == 1
        # Drop leading log words ("Failed John Smith" -> "John Smith"); a role word
        # among them ("General Anatoly Shkirko") marks what follows as a name.
        role = False
        while words and self.is_stop(text[words[0][0] : words[0][1]]):
            head = text[words[0][0] : words[0][1]]
            if (
                head in AMBIGUOUS_NAMES
                and len(words) >= 2
                and text[words[1][0] : words[1][1]] in self._last
            ):
                break  # "Will Smith": a name-word before a known surname
            role = role or head.lower() in ROLES
            words.pop(0)
        if not words:
            return []
        known_first = text[words[0][0] : words[0][1]] in self._first and len(words) >= 2
        while not known_first and words and self.is_stop(text[words[-1][0] : words[-1][1]]):
            words.pop()
        if not words:
            return []
        start, end = words[0][0], words[-1][1]
        before = text[max(0, start - 40) : start]
        word, sep, at = word_before(before)
        low = word.lower()
        first = text[words[0][0] : words[0][1]]
        tokens = [text[a:b] for a, b in words if text[a].isupper()]
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
                and (first in AMBIGUOUS_NAMES or not self.is_stop(first))
            )
            or (role and not self.is_stop(first))
        ):
            person = True
        elif low in STRONG_CUES or low in ROLES or low in self._cues:
            person = len(tokens) >= 2 or first in self._first or not self.is_stop(first)
        elif len(tokens) >= 2 and low in WEAK_CUES and sep and not sep.strip():
            person = all(not self.is_stop(t) for t in tokens)
        elif (
            len(word) == 2
            and word[0].isupper()
            and word[1] == "."
            and len(sep) <= 1
            and not self.is_stop(first)
            and not (at and (before[at - 1].isalnum() or before[at - 1] == "."))
        ):
            person = True  # "A. Kumble", "K. Curran"
            start = start - len(before) + at
        elif (
            self._subject
            and 2 <= len(tokens) <= 3
            and mid_sentence(before, word, sep)
            and all(not self.is_stop(t) for t in tokens)
        ):
            person = True  # "... beat Moin Khan", "... seed Gete Wami": mid-sentence pair
        elif (
            self._subject
            and 2 <= len(tokens) <= 3
            and (text[start - 1] if start else "") in FIELD_EDGES
            and text[end : end + 1] in FIELD_EDGES
            and all(not self.is_stop(t) and t.isalpha() for t in tokens)
        ):
            person = True  # a whole field or value: "\tJarmila Šimková\t", "Beatrix Nemes"
        if (
            not person
            and self._single
            and len(words) == 1
            and (first in self._last or first in self._first)
            and not self.is_stop(first)
        ):
            person = True  # a lone known surname or given name: "Daschle was ...", "Sarah"
        elif (
            not person
            and self._subject
            and self._single
            and len(words) == 1
            and len(first) >= 4
            and not self.is_stop(first)
            and lone
            and mid_sentence(before, word, sep)
            and word.lower() not in AFTER_WORDS
        ):
            person = True  # a lone proper noun mid-sentence: "keep Graf from", "beat Rios"
        if not person and len(words) >= 3:
            # "Prime Minister Benjamin Netanyahu": a known given name inside the run.
            for a, _ in words[1:-1]:
                if text[a:].split(None, 1)[0] in self._first:
                    person, start = True, a
                    break
        candidate = not person and any(not self.is_stop(t) for t in tokens)
        likely = (
            candidate
            and len(tokens) >= 2
            and AFTER.match(text, end) is not None
            and all(not self.is_stop(t) for t in tokens)
        ) or (
            candidate
            and len(words) == 1
            and len(first) >= 3
            and not self.is_stop(first)
            and SAID.match(text, end) is not None
        )
        if likely and self._subject:
            person, candidate = True, False
        return [NameRun(start, end, person, candidate, likely)]

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
