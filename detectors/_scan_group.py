"""One shared scan for several pattern rules (rules with the same ``scan_group``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mypy_extensions import mypyc_attr

from detectors._base import Finding
from detectors._pattern import PatternDetector, ascii_twin
from logward_base.errors import ConfigError

__all__ = ["ScanGroupDetector"]


def _shapes(per_member: list[tuple[str, ...]]) -> str:
    """A lookbehind setting group ``_s<i>`` where member ``i``'s ``starts_with``
    regexes all match, then a test that some group is set.

    Members are grouped by their first regex, which is tried once per group;
    then group ``_s<i>`` is set where the rest of member ``i``'s regexes match.
    Each regex is tried at most once per position. The trailing conditionals
    (outside the lookbehind, which may not refer to its own groups) reject
    positions where no member's regexes match, in C: they never reach Python.
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    for i, shapes in enumerate(per_member):
        rest = "".join(f"(?={s})" for s in shapes[1:])
        groups.setdefault(shapes[0], []).append((i, rest))
    options: list[str] = []
    for first, members in groups.items():
        opts = "".join(f"(?:{rest}(?P<_s{i}>)|)" for i, rest in members)
        options.append(f"(?:(?={first}){opts}|)")
    some = "(?!)"
    for i in reversed(range(len(per_member))):
        some = f"(?(_s{i})|{some})"
    return "(?<=(?=" + "".join(options) + ").)" + some


_GROUP_DEF = re.compile(r"(?<!\\)\(\?P<(\w+)>")
_GROUP_REF = re.compile(r"(?<!\\)\(\?P=(\w+)\)")


@mypyc_attr(allow_interpreted_subclasses=True)
class ScanGroupDetector:
    """Runs several case-sensitive pattern rules off one shared scan of the text.

    One regex (a lookahead over the union of the members' patterns, led by the
    union of their ``first_chars``) finds every offset where any member can
    match; each member then tries only those offsets. The findings are exactly
    those of running each member on its own, at a fraction of the cost when
    matches are rare, which they are in logs.

    Args:
        name: the group name.
        members: pattern detectors whose rules set ``first_chars``.

    Raises:
        ConfigError: a member is case-insensitive or lacks ``first_chars``.
    """

    def __init__(self, name: str, members: Sequence[PatternDetector]) -> None:
        lead: list[str] = []
        bodies: list[str] = []
        for i, member in enumerate(members):
            rule = member.rule
            if rule.ignore_case or not rule.first_chars:
                raise ConfigError(f"rule {rule.name!r} cannot join a scan group")
            lead.append(rule.first_chars)
            source = _GROUP_DEF.sub(rf"(?P<g{i}_\1>", member.source)
            bodies.append(_GROUP_REF.sub(rf"(?P=g{i}_\1)", source))
        self._name = name
        self._members = tuple(members)
        chars = "".join(lead)
        # Stage 1 finds possible starts cheaply (one character class, plus "not
        # after a letter or digit" when every member promises that); stage 2 keeps
        # those where some member's pattern matches.
        stage1 = f"[{chars}]"
        if all(m.rule.word_start for m in members):
            stage1 += "(?<![A-Za-z0-9].)"
        thens = [m.rule.then for m in members]
        if all(thens):
            # implied by the start shapes below (each member promises it), and
            # tested from the character after the one matched: no lookbehind
            stage1 += "(?=" + "|".join(f"(?:{t})" for t in dict.fromkeys(thens)) + ")"
        if all(m.rule.starts_with for m in members):
            # Every member says how its matches start: stage 1 alone finds, per
            # member, where it can match. "(?<=(?=S).)", looked at from the character
            # just matched, is S at its start; group _s<i> is set where member i's
            # regexes all match there (an empty alternative makes each optional).
            stage1 += _shapes([m.rule.starts_with for m in members])
            self._starts = re.compile(stage1)
            self._union: re.Pattern[str] | None = None
            groups = self._starts.groupindex
        else:
            # Stage 2 tries every member at a stage-1 position in one C-level match,
            # setting group _m<i> where member i matches.
            self._starts = re.compile(stage1)
            self._union = re.compile(
                "".join(f"(?:(?=(?P<_m{i}>{b}))|)" for i, b in enumerate(bodies))
            )
            groups = self._union.groupindex
        # ASCII twins (re.ASCII): the same matches in ASCII texts, found faster
        self._starts_ascii = re.compile(self._starts.pattern, re.ASCII)
        self._union_ascii = ascii_twin(self._union)
        prefix = "_m" if self._union is not None else "_s"
        self._member_groups = tuple(
            (member, groups[f"{prefix}{i}"]) for i, member in enumerate(members)
        )
        # With start shapes, a hit's flag groups are empty: ``hit.group(*flags)``
        # (one C call; ``hit.groups()``, cheaper, when the flags are all its groups)
        # is a key naming which members it flags; the members' indexes per key are
        # kept (at most 2 ** len(members) keys).
        self._flags = tuple(group for _, group in self._member_groups)
        self._flagged: dict[object, tuple[int, ...]] = {}
        self._only_flags = self._starts.groups == len(self._flags)

    @property
    def name(self) -> str:
        """The group name."""
        return self._name

    @property
    def members(self) -> tuple[PatternDetector, ...]:
        """The member detectors."""
        return self._members

    def detect(self, text: str) -> list[Finding]:
        """Return the findings of every member in ``text``."""
        hits: list[re.Match[str]] = []
        if text.isascii():
            starts, union = self._starts_ascii, self._union_ascii
        else:
            starts, union = self._starts, self._union
        first = starts.search(text)
        if first is None:
            return []  # most texts: one C-level search, no iterator
        # A stage-1 match is one character long: the scan goes on past ``first``
        # (not from it, which would evaluate its lookaheads a second time).
        if union is None:
            # every stage-1 match flags some member (its shapes' conditionals)
            second = starts.search(text, first.end())
            if second is None:  # the usual case: one hit, the members it flags
                pos = first.start()
                members = self._members
                one: list[Finding] = []
                for i in self._flagged_by(first):
                    finding = members[i].finding_at(text, pos)
                    if finding is not None:
                        one.append(finding)
                return one
            hits = [first, second, *starts.finditer(text, second.end())]
        else:
            for start in (first, *starts.finditer(text, first.end())):
                tried = union.match(text, start.start())
                if tried is not None and tried.lastindex is not None:
                    hits.append(tried)
        if not hits:
            return []
        if union is not None:
            return self._detect_union_hits(text, hits)
        found: list[Finding] = []
        members = self._members
        positions: dict[int, list[int]] = {}
        for hit in hits:
            pos = hit.start()
            for i in self._flagged_by(hit):
                if i in positions:
                    positions[i].append(pos)
                else:
                    positions[i] = [pos]
        for i in sorted(positions):
            at = positions[i]
            if len(at) == 1:
                finding = members[i].finding_at(text, at[0])
                if finding is not None:
                    found.append(finding)
            else:
                found.extend(members[i].detect_at(text, at))
        return found

    def _flagged_by(self, hit: re.Match[str]) -> tuple[int, ...]:
        """Indexes of the members a stage-1 hit flags, in order (start shapes only)."""
        key = hit.groups() if self._only_flags else hit.group(*self._flags)
        flagged = self._flagged.get(key)
        if flagged is None:
            flagged = tuple(i for i, group in enumerate(self._flags) if hit.start(group) >= 0)
            self._flagged[key] = flagged
        return flagged

    def _detect_union_hits(self, text: str, hits: list[re.Match[str]]) -> list[Finding]:
        found: list[Finding] = []
        if len(hits) == 1:  # one C-level read of every group's span
            spans = hits[0].regs
            at = [hits[0].start()]
            for member, group in self._member_groups:
                if spans[group][0] >= 0:
                    found.extend(member.detect_at(text, at))
            return found
        for member, group in self._member_groups:
            positions = [hit.start() for hit in hits if hit.start(group) >= 0]
            if positions:
                found.extend(member.detect_at(text, positions))
        return found
