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

from mypy_extensions import mypyc_attr

from detectors._name_shapes import (
    AFTER,
    AFTER_WORDS,
    CAP_WORD,
    CAPS_HINT,
    CAPS_RUN,
    KEY_CAP,
    KEY_TAIL,
    MEMO_SIZE,
    RUN,
    SAID,
    SUFFIX,
    first_names,
    mid_sentence,
    read_list,
    street_words,
    surnames,
    title_start,
    word_before,
)
from detectors._name_verdicts import NameRun, NameVerdicts
from detectors._name_words import AMBIGUOUS_NAMES, LOG_WORDS, ROLES, STRONG_CUES, TITLES

__all__ = ["AMBIGUOUS_NAMES", "SAID", "NameRules", "NameRun", "first_names", "surnames"]


@mypyc_attr(allow_interpreted_subclasses=True)
class NameRules(NameVerdicts):
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

    def runs(self, text: str) -> list[NameRun]:
        """Classify every capitalised word run in ``text``.

        Args:
            text: one log line or message.

        Returns:
            The runs in order, each marked person / candidate.
        """
        return [NameRun(*r) for r in self._scan(text)]

    def person_spans(self, text: str, pair_at: int | None = 0) -> list[tuple[int, int]]:
        """Return ``(start, end)`` of each run the rules call a person (the hot path).

        Args:
            text: one log line or message.
            pair_at: where :data:`detectors._person.PAIR` first matches in ``text``,
                if known (``None``: nowhere); two words in capitals are looked for
                from there on only (they always match it). ``0``: unknown.

        Returns:
            The spans, in order.
        """
        return [(r[0], r[1]) for r in self._scan(text, pair_at) if r[2]]

    def _scan(self, text: str, pair_at: int | None = 0) -> list[tuple[int, int, bool, bool, bool]]:
        found: list[tuple[int, int, bool, bool, bool]] = []
        memo = self._memo
        stop = self._stop
        first, last = self._first, self._last
        for match in RUN.finditer(text):
            group = match[0]
            if group in stop:  # one common word ("Nov", "Studio", "Redis"): never a name
                continue
            if " " not in group and "\t" not in group:  # RUN joins words by blanks only
                found.append(self._lone(text, *match.span()))
                continue
            words = group.split()
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
                    (a - s, b - s, p, c, lk) for a, b, p, c, lk in self._classify(text, s, e)
                )
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[key] = hit
            found.extend((s + a, s + b, p, c, lk) for a, b, p, c, lk in hit)
        if pair_at is not None and CAPS_HINT.search(text, pair_at):
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
            title = title_start(text, start)
            if title is not None:
                start = title
        if text[end : end + 1] in (",", " ", "\t"):
            suffix = SUFFIX.match(text, end)
            if suffix is not None:
                end = suffix.end()
        return (start, end, True, False, False)
