"""A naive overlap resolution, character by character: the reference the engine's
shortcuts are tested against."""

from __future__ import annotations

from detectors import Finding
from scrubber import REMAINDER_ENTITIES, merge_same_entity

__all__ = ["naive_resolve"]


def naive_resolve(found: list[Finding], text: str, threshold: float = 0.5) -> list[Finding]:
    """Merge, keep by priority, then give credentials the characters left free."""
    candidates = [f for f in found if f.score >= threshold and f.end > f.start]
    if len(candidates) <= 1:
        return candidates
    candidates = merge_same_entity(candidates)
    candidates.sort(key=lambda f: (-f.score, f.start - f.end, f.start))
    kept: list[Finding] = []
    losers: list[Finding] = []
    for f in candidates:
        fits = all(f.end <= k.start or k.end <= f.start for k in kept)
        (kept if fits else losers).append(f)
    covered = [False] * (len(text) + 1)
    for k in kept:
        covered[k.start : k.end] = [True] * (k.end - k.start)
    for f in losers:
        if f.entity not in REMAINDER_ENTITIES:
            continue
        run = None
        for i in range(f.start, f.end + 1):
            free = i < f.end and not covered[i]
            if free and run is None:
                run = i
            elif not free and run is not None:
                kept.append(Finding(f.entity, run, i, f.score, f.detector))
                covered[run:i] = [True] * (i - run)
                run = None
    return sorted(kept, key=lambda f: f.start)
