"""The pieces of a pattern rule: its regexes, context words and the helpers that
compile them (:class:`~detectors._pattern.PatternDetector` runs them)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mypy_extensions import mypyc_attr

__all__ = [
    "ContextRule",
    "PatternRule",
    "PatternSpec",
    "ascii_twin",
    "context_regex",
    "context_test",
]


def context_regex(words: Sequence[str]) -> re.Pattern[str] | None:
    """Compile a case-insensitive regex matching any of ``words`` as a whole word.

    A word is delimited by anything that is not a letter or digit, so ``lic``
    never matches inside ``public`` but ``phone`` matches in ``phone_number``.

    Returns:
        The regex, or ``None`` when ``words`` is empty.
    """
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


def ascii_twin(pattern: re.Pattern[str] | None) -> re.Pattern[str] | None:
    """``pattern`` compiled again with ``re.ASCII``: the same matches in ASCII texts,
    found faster (``\\d``, ``\\w`` and case folding without Unicode-database calls).
    """
    if pattern is None:
        return None
    return re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII)


def context_test(words: Sequence[str]) -> re.Pattern[str] | None:
    """Like :func:`context_regex`, for truth tests only, and faster.

    It matches where the other one does, but only the word's first character:
    a leading character class lets the regex engine skip to candidates at C
    speed, and lookarounds (the lookahead runs from that character) check the
    whole word and its boundaries.
    """
    if not words:
        return None
    unique = sorted(set(words), key=len, reverse=True)
    firsts = "".join(sorted({re.escape(w[0]) for w in unique}))
    # The words as a prefix tree (c(?:all(?:ed|)|ell)...): the same words, each
    # character tried once per shared prefix instead of once per word.
    return re.compile(
        rf"[{firsts}](?<![A-Za-z0-9].)(?<=(?={_prefix_tree(unique)}(?![A-Za-z0-9])).)",
        re.IGNORECASE,
    )


def _prefix_tree(words: Sequence[str]) -> str:
    """A regex matching exactly ``words`` (non-empty), common prefixes factored out."""
    tree: dict[str, dict[str, Any]] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def emit(node: dict[str, dict[str, Any]]) -> str:
        alternatives = [re.escape(char) + emit(node[char]) if char else "" for char in sorted(node)]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return emit(tree)


@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class ContextRule:
    """Words near a match that raise (``words``) or lower (``negative``) its score.

    Attributes:
        words: whole words that make the entity more likely.
        boost: added to the score when one of ``words`` is within ``window``.
        negative: whole words that make the entity less likely (``version``).
        penalty: subtracted when one of ``negative`` is within ``window``.
        window: characters looked at before and after the match.
        negative_before: when > 0, ``negative`` words count only in this many
            characters right before the match (``order_id=``, ``took``), not
            in what follows it, which belongs to other values.
    """

    words: tuple[str, ...] = ()
    boost: float = 0.35
    negative: tuple[str, ...] = ()
    penalty: float = 0.5
    window: int = 40
    negative_before: int = 0


@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class PatternSpec:
    """One regex of a rule and the score of its matches.

    Attributes:
        regex: the pattern source; named groups ``pii*`` mark the span to redact.
        score: base score of a match in [0, 1].
    """

    regex: str
    score: float


@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class PatternRule:
    """Everything a :class:`PatternDetector` needs, as loaded from one YAML rule.

    Attributes:
        name: the rule's name, recorded as the detector name of its findings.
        entity: UPPER_SNAKE entity type of its findings.
        patterns: the regexes, tried in turn.
        validators: functions that must all accept the redacted span.
        context: context words and their effect on the score.
        prefilter: a regex that must occur somewhere in the text before any
            pattern is tried (a cheap test such as ``@`` or ``\\d{3}``).
        literals: substrings of which one must occur (case-insensitively)
            before anything else is tried; the cheapest gate.
        ignore_case: compile the patterns case-insensitively.
        scan_group: rules naming the same group are located by one shared scan.
        first_chars: body of a regex character class holding every character a
            match can start with (required with ``scan_group``).
        word_start: every match starts where the previous character is not an
            ASCII letter or digit (lets a scan group skip the middle of words).
        starts_with: regexes that all match where every match passing the
            validators starts (e.g. ``[\\d+(][\\d ().\\-/+]{6}``: seven
            number-like characters); a scan group whose members all set them
            stops only where some member's all match. A first regex shared by
            every member is tried once.
        then: a regex matching right after the first character wherever
            ``starts_with``'s regexes all match (implied by them, e.g.
            ``[\\d ().\\-/+]{6}``); a scan group whose members all set it tests it
            before the start shapes, without a lookbehind: a cheap early reject.
        regions: phone rules only: region codes for libphonenumber, which then
            sets each match's base score (:func:`detectors._phone.phone_score`;
            ``None`` drops the match) in place of the pattern's score.
        anchor: a regex of which every match holds a match starting 1 to
            ``anchor_within`` characters after the match's start (the ``@`` of
            an e-mail address); ``detect`` then looks for matches only just
            before its matches, not from every position of the text.
        anchor_within: see ``anchor``.
        starts_at_literal: every match starts where one of ``literals`` starts
            (case-insensitively), not right after an ASCII letter or digit; the
            literals are ASCII letters and digits. ``detect`` then tries matches
            only where the literals occur in an ASCII text, not from every position.
    """

    name: str
    entity: str
    patterns: tuple[PatternSpec, ...]
    validators: tuple[Callable[[str], bool], ...] = ()
    context: ContextRule = field(default_factory=ContextRule)
    prefilter: str | None = None
    literals: tuple[str, ...] = ()
    ignore_case: bool = False
    scan_group: str | None = None
    first_chars: str | None = None
    word_start: bool = False
    starts_with: tuple[str, ...] = ()
    then: str | None = None
    regions: tuple[str, ...] = ()
    anchor: str | None = None
    anchor_within: int = 0
    starts_at_literal: bool = False
