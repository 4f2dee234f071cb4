"""The pattern tier: one regex-driven detector per rule, with validators and context.

A :class:`PatternDetector` is built once from a :class:`PatternRule` (the loader
makes those from ``rules/pii/*.yaml``). Its regexes are compiled in the
constructor; ``detect`` only runs them.

Bounded work: every shipped regex avoids nested unbounded quantifiers, and the
engine hands detectors chunks of at most ``scrubber.CHUNK_CHARS`` characters, so
the cost per line is linear in its length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mypy_extensions import mypyc_attr

from detectors._base import Finding
from detectors._pattern_rule import (
    ContextRule,
    PatternRule,
    PatternSpec,
    ascii_twin,
    context_regex,
    context_test,
)
from detectors._phone import phone_score_of

__all__ = [
    "ContextRule",
    "PatternDetector",
    "PatternRule",
    "PatternSpec",
    "ascii_twin",
    "cached_lower",
    "context_regex",
    "context_test",
]

# Named groups whose names start with this prefix mark the span to redact.
PII_GROUP_PREFIX = "pii"


@mypyc_attr(allow_interpreted_subclasses=True)
class PatternDetector:
    """Finds one entity with regexes, validators and context words.

    Args:
        rule: the loaded rule.

    Raises:
        re.error: a pattern does not compile (the loader turns it into ``RuleError``).
    """

    def __init__(self, rule: PatternRule) -> None:
        self._rule = rule
        flags = re.IGNORECASE if rule.ignore_case else 0
        # All patterns of a rule run as one alternation (one scan of the text);
        # at a given position the first pattern that matches wins.
        alternatives = "|".join(f"(?P<_p{i}>{spec.regex})" for i, spec in enumerate(rule.patterns))
        self._pattern = re.compile(alternatives, flags)
        # For ASCII texts (nearly all log lines; ``str.isascii`` is a flag test)
        # the same regex with re.ASCII: identical matches there, but \d, \w and
        # case folding are inline table tests instead of Unicode-database calls.
        self._pattern_ascii = re.compile(alternatives, flags | re.ASCII)
        self._outer = tuple(
            (self._pattern.groupindex[f"_p{i}"], spec.score) for i, spec in enumerate(rule.patterns)
        )
        self._groups = _pii_groups(self._pattern)
        self._literals = tuple(lit.lower() for lit in rule.literals)
        # one C-level search for all literals (substrings of the lowercased text)
        self._literal_gate = (
            re.compile("|".join(re.escape(lit) for lit in self._literals))
            if self._literals
            else None
        )
        self._prefilter = re.compile(rule.prefilter, flags) if rule.prefilter else None
        self._prefilter_ascii = (
            re.compile(rule.prefilter, flags | re.ASCII) if rule.prefilter else None
        )
        self._gated = self._literal_gate is not None or self._prefilter is not None
        self._at_literals = rule.starts_at_literal and self._literal_gate is not None
        self._positive = context_test(rule.context.words)
        self._negative = context_test(rule.context.negative)
        self._positive_ascii = ascii_twin(self._positive)
        self._negative_ascii = ascii_twin(self._negative)
        # copies of the rule's fields read per match (one attribute read each)
        self._entity = rule.entity
        self._rule_name = rule.name
        self._checks = rule.validators
        self._regions = tuple(rule.regions)
        self._only_score = rule.patterns[0].score if len(rule.patterns) == 1 else None
        self._scored = self._positive is not None or self._negative is not None
        ctx = rule.context
        self._window = ctx.window
        self._boost = ctx.boost
        self._penalty = ctx.penalty
        self._negative_before = ctx.negative_before
        # (anchor, its ASCII twin), or None
        self._anchor = (
            (re.compile(rule.anchor, flags), re.compile(rule.anchor, flags | re.ASCII))
            if rule.anchor
            else None
        )

    @property
    def name(self) -> str:
        """The rule name."""
        return self._rule.name

    @property
    def entity(self) -> str:
        """The entity type this detector finds."""
        return self._rule.entity

    @property
    def rule(self) -> PatternRule:
        """The rule this detector was built from."""
        return self._rule

    @property
    def literals(self) -> tuple[str, ...]:
        """Lowercase substrings of which one must occur in a text (empty: no gate)."""
        return self._literals

    @property
    def source(self) -> str:
        """The combined regex source (for scan groups)."""
        return self._pattern.pattern

    @property
    def trigger(self) -> str | None:
        """A regex source found in every text with a finding (the prefilter), if any."""
        prefilter = self._rule.prefilter
        if prefilter is None:
            return None
        return f"(?i:{prefilter})" if self._rule.ignore_case else prefilter

    def detect(self, text: str) -> list[Finding]:
        """Return the validated findings in ``text``."""
        if self._at_literals and text.isascii():
            return self._detect_at_literals(text)
        if not self._gates_pass(text):
            return []
        if self._anchor is not None:
            return self._detect_anchored(text, *self._anchor)
        pattern = self._pattern_ascii if text.isascii() else self._pattern
        return [f for m in pattern.finditer(text) if (f := self._finding(text, m))]

    def _detect_anchored(
        self, text: str, anchor_any: re.Pattern[str], anchor_ascii: re.Pattern[str]
    ) -> list[Finding]:
        """:meth:`detect`'s matches, looked for only just before anchor matches.

        A match starting at ``s`` holds an anchor match starting in
        ``[s + 1, s + within]``, so none starts before ``a - within`` where ``a``
        is the first anchor match after the last match (or the text's start);
        searching from there finds what ``finditer`` finds (lookbehinds still see
        the text before). No anchor left: no match left. Matches are never empty
        (they hold an anchor after their first character).
        """
        if text.isascii():
            search, anchor = self._pattern_ascii.search, anchor_ascii
        else:
            search, anchor = self._pattern.search, anchor_any
        within = self._rule.anchor_within
        found: list[Finding] = []
        pos = 0
        while (a := anchor.search(text, pos + 1)) is not None:
            lo = a.start() - within
            m = search(text, lo if lo > pos else pos)
            if m is None:
                break
            finding = self._finding(text, m)
            if finding is not None:
                found.append(finding)
            pos = m.end()
        return found

    def _detect_at_literals(self, text: str) -> list[Finding]:
        """:meth:`detect` for an ASCII text, matches tried only where literals occur.

        Every match starts where a literal starts, not after a letter or digit
        (the rule's promise). The literal search (in the lowercased text, whose
        offsets are the text's: it is ASCII) skips occurrences starting inside
        an earlier one, but those follow a letter or digit: no match starts
        there. Matches hold a literal, so they are never empty.
        """
        prefilter = self._prefilter_ascii
        if prefilter is not None and prefilter.search(text) is None:
            return []
        gate = self._literal_gate
        assert gate is not None  # (set with starts_at_literal)
        match_at = self._pattern_ascii.match
        found: list[Finding] = []
        next_pos = 0
        for literal in gate.finditer(cached_lower(text)):
            pos = literal.start()
            if pos < next_pos:
                continue
            m = match_at(text, pos)
            if m is None:
                continue
            next_pos = m.end()
            finding = self._finding(text, m)
            if finding is not None:
                found.append(finding)
        return found

    def detect_at(self, text: str, positions: Sequence[int]) -> list[Finding]:
        """Like :meth:`detect`, trying matches only at ``positions`` (ascending).

        ``positions`` must include every offset where this detector's pattern
        can match (a :class:`ScanGroupDetector` guarantees it); the result is
        then the same as :meth:`detect`'s.
        """
        if self._gated and not self._gates_pass(text):
            return []
        found: list[Finding] = []
        match_at = (self._pattern_ascii if text.isascii() else self._pattern).match
        next_pos = 0
        for pos in positions:
            if pos < next_pos:
                continue
            m = match_at(text, pos)
            if m is None:
                continue
            end = m.end()
            next_pos = end if end > pos else pos + 1
            finding = self._finding(text, m)
            if finding is not None:
                found.append(finding)
        return found

    def finding_at(self, text: str, pos: int) -> Finding | None:
        """``detect_at(text, [pos])``'s finding, if any (one position: no list, no loop)."""
        if self._gated and not self._gates_pass(text):
            return None
        m = (self._pattern_ascii if text.isascii() else self._pattern).match(text, pos)
        return None if m is None else self._finding(text, m)

    def _gates_pass(self, text: str) -> bool:
        if self._literal_gate is not None and self._literal_gate.search(cached_lower(text)) is None:
            return False
        prefilter = self._prefilter_ascii if text.isascii() else self._prefilter
        return prefilter is None or prefilter.search(text) is not None

    def _finding(self, text: str, match: re.Match[str]) -> Finding | None:
        start, end = _span(match, self._groups) if self._groups else match.span()
        if end <= start:
            return None
        base = self._only_score
        if base is None:
            base = self._base(match)
        checks = self._checks
        regions = self._regions
        if checks or regions:
            value = text[start:end]
            for check in checks:
                if not check(value):
                    return None
            if regions:
                phone = phone_score_of(value, regions)
                if phone is None:
                    return None
                base = phone
        if self._scored:
            base = self._score(text, start, end, base)
        return Finding(self._entity, start, end, base, self._rule_name)

    def _base(self, match: re.Match[str]) -> float:
        for index, score in self._outer:
            if match.start(index) >= 0:
                return score
        return self._outer[0][1]

    def _score(self, text: str, start: int, end: int, base: float) -> float:
        if text.isascii():
            positive, negative = self._positive_ascii, self._negative_ascii
        else:
            positive, negative = self._positive, self._negative
        if positive is None and negative is None:
            return base
        # Windows are searched in place (pos/endpos), so a word cut by a window's
        # start is still seen whole: "payments" never yields a negative "ts".
        # A window at the text's edge is empty: nothing to search (the regexes
        # consume a character), as for a value scrubbed alone (an id in extra=).
        lo = start - self._window
        if lo < 0:
            lo = 0
        more = end < len(text)
        score = base
        if positive is not None and (
            (start and positive.search(text, lo, start) is not None)
            or (more and positive.search(text, end, end + self._window) is not None)
        ):
            score += self._boost
        if negative is not None:
            before = self._negative_before
            if not start:
                hit = more and not before and negative.search(text, end, end + self._window)
            elif before:
                before = start - before
                hit = negative.search(text, before if before > 0 else 0, start)
            else:
                hit = negative.search(text, lo, start) or (
                    more and negative.search(text, end, end + self._window)
                )
            if hit:
                score -= self._penalty
        return 1.0 if score > 1.0 else 0.0 if score < 0.0 else score  # clamped to [0, 1]


_last_lowered: tuple[str, str] = ("", "")


def cached_lower(text: str) -> str:
    """Return ``text.lower()``, computed once per text for all detectors.

    Detectors run one after another on the same text, so a one-entry cache keyed
    by identity saves the repeated work. The cache is a single tuple, replaced
    atomically, so concurrent threads at worst recompute.
    """
    global _last_lowered
    last = _last_lowered
    if last[0] is text:
        return last[1]
    lowered = text.lower()
    _last_lowered = (text, lowered)
    return lowered


def _pii_groups(pattern: re.Pattern[str]) -> tuple[str, ...]:
    return tuple(sorted(g for g in pattern.groupindex if g.startswith(PII_GROUP_PREFIX)))


def _span(match: re.Match[str], groups: tuple[str, ...]) -> tuple[int, int]:
    for group in groups:
        start, end = match.span(group)
        if start >= 0:
            return start, end
    if groups:
        return 0, 0
    return match.span()
