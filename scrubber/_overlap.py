"""Overlap resolution: the one place that decides which findings are replaced.

1. Findings below the policy threshold (or empty) are dropped.
2. Overlapping findings of the same entity are joined into their union.
3. Across entities the higher score wins, then the longer span (as presidio).
4. Fail closed for multi-word entities and credentials (``REMAINDER_ENTITIES``:
   names, street addresses, locations, secrets, tokens, keys): where such a
   losing finding reaches past the winners, the part it alone covers is still
   redacted, as its own entity. Otherwise ``Recipient=Ana Lopes`` found as
   ``Ana`` (key-value rule, high score) and ``Ana Lopes`` (PERSON, lower score)
   would leave ``Lopes`` behind, and ``auth=Bearer 4f9a...`` found as ``Bearer``
   (the value of a secret key) and ``Bearer 4f9a...`` (AUTH_TOKEN) would leave
   the token itself behind. Other single-token entities are not extended: in
   ``postgres://bob:pw@db.example.com`` the credentials win and the e-mail
   look-alike ``pw@db.example.com`` must not take the host with it.

Replacement then runs right to left over the kept, non-overlapping spans.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import attrgetter

from detectors import Finding

__all__ = ["REMAINDER_ENTITIES", "merge_same_entity", "resolve_overlaps"]

REMAINDER_ENTITIES = frozenset(
    {
        "PERSON",
        "STREET_ADDRESS",
        "LOCATION",
        # credentials: a losing credential finding never leaves its token behind
        "AUTH_TOKEN",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "COOKIE",
        "JWT",
        "PASSWORD",
        "PRIVATE_KEY",
        "SECRET",
        "URL_CREDENTIALS",
    }
)


def resolve_overlaps(found: list[Finding], text: str, threshold: float) -> list[Finding]:
    """Return non-overlapping findings sorted by start (see the module docstring)."""
    if len(found) == 1:  # the usual case: one finding, nothing to resolve
        f = found[0]
        return [f] if f.score >= threshold and f.end > f.start else []
    candidates = [f for f in found if f.score >= threshold and f.end > f.start]
    if len(candidates) <= 1:
        return candidates
    candidates.sort(key=_START)
    merged = _merged_if_apart(candidates)
    if merged is not None:
        return merged  # only findings of one entity overlap: their unions are kept
    candidates = merge_same_entity(candidates)
    candidates.sort(key=lambda f: (-f.score, f.start - f.end, f.start))
    starts: list[int] = []
    kept: list[Finding] = []
    losers: list[Finding] = []
    for f in candidates:
        i = bisect_left(starts, f.start)
        if (i > 0 and kept[i - 1].end > f.start) or (i < len(kept) and kept[i].start < f.end):
            losers.append(f)
            continue
        starts.insert(i, f.start)
        kept.insert(i, f)
    for loser in losers:  # in priority order
        if loser.entity not in REMAINDER_ENTITIES:
            continue
        for piece in _uncovered(loser, kept, text):
            i = bisect_left(starts, piece.start)
            starts.insert(i, piece.start)
            kept.insert(i, piece)
    return kept


def _uncovered(f: Finding, kept: list[Finding], text: str) -> list[Finding]:
    """The parts of ``f`` no kept finding covers, trimmed to start and end on a word."""
    pieces: list[Finding] = []
    cursor = f.start
    for k in kept:
        if k.end <= cursor:
            continue
        if k.start >= f.end:
            break
        if k.start > cursor:
            pieces.extend(_trimmed(f, cursor, k.start, text))
        cursor = max(cursor, k.end)
        if cursor >= f.end:
            break
    if cursor < f.end:
        pieces.extend(_trimmed(f, cursor, f.end, text))
    return pieces


def _trimmed(f: Finding, start: int, end: int, text: str) -> list[Finding]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if start >= end:
        return []
    return [Finding(f.entity, start, end, f.score, f.detector)]


_START = attrgetter("start")  # the sort key, read in C


def _merged_if_apart(candidates: list[Finding]) -> list[Finding] | None:
    """``merge_same_entity(candidates)`` by start, if no two of its spans overlap
    (then every one is kept); ``None`` if findings of different entities overlap.

    ``candidates`` are sorted by start. The usual case: no overlap at all, or the
    same value found by two rules of one entity. Spans kept so far never overlap,
    so a finding can only overlap the last one; each entity's findings come in
    the order ``merge_same_entity`` sees them, so it is merged as that does.
    """
    out: list[Finding] = []
    last: Finding | None = None
    for f in candidates:
        if last is None or f.start >= last.end:
            out.append(f)
            last = f
        elif f.entity != last.entity:
            return None
        elif f.end > last.end or f.score > last.score:
            last = out[-1] = _union(last, f)
    return out


def merge_same_entity(found: list[Finding]) -> list[Finding]:
    """Join overlapping findings of one entity into their union (best score).

    ``+1 (212) 555-0199`` found whole by one rule and as ``(212) 555-0199`` by a
    better-scoring one becomes one span, so no fragment is left behind.
    """
    found.sort(key=lambda f: (f.entity, f.start))
    merged: list[Finding] = []
    for f in found:
        last = merged[-1] if merged else None
        if last is not None and last.entity == f.entity and f.start < last.end:
            if f.end > last.end or f.score > last.score:
                merged[-1] = _union(last, f)
        else:
            merged.append(f)
    return merged


def _union(last: Finding, f: Finding) -> Finding:
    """``last`` and ``f`` (same entity, ``f`` starting inside ``last``) as one span,
    with the better score and the detector that gave it (``last``'s on a tie)."""
    return Finding(
        f.entity,
        last.start,
        max(last.end, f.end),
        max(last.score, f.score),
        last.detector if last.score >= f.score else f.detector,
    )
