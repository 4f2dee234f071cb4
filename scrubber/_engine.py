"""The one scrubbing engine. Every adapter (logging filter, structlog processor,
CLI, stream sidecar, monitor) calls ``Scrubber.scrub_text`` / ``scrub_mapping``.

CONTRACT (other modules are written against it; keep these signatures):

    class Scrubber:
        stats: RedactionStats
        def scrub_text(self, text: str, counts: Counter[str] | None = None) -> str
        def scrub_texts(self, texts: Sequence[str], counts: ... = None) -> list[str]
        def scrub_mapping(self, data: Mapping[str, Any], counts: ... = None) -> dict[str, Any]
        def scrub_value(self, value: Any, key: str | None = None, counts: ... = None) -> Any

    - ``counts`` (optional) accumulates redactions per entity for this call only
      (the sidecar puts them in a header); ``stats`` accumulates for the process.
    - Never raises on data: on any internal error the affected text becomes
      ``FAILED_PLACEHOLDER`` and ``stats`` counts a failure (fail closed).

This file is a minimal first version of that contract; the core issue grows it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from detectors import Detector, Finding

__all__ = ["FAILED_PLACEHOLDER", "RedactionStats", "Scrubber"]

FAILED_PLACEHOLDER = "<SCRUB_FAILED>"


class RedactionStats:
    """Thread-safe per-entity redaction counters for the whole process (counts only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._failures = 0

    def add(self, counts: Mapping[str, int]) -> None:
        with self._lock:
            self._counts.update(counts)

    def add_failure(self) -> None:
        with self._lock:
            self._failures += 1

    @property
    def failures(self) -> int:
        return self._failures

    def snapshot(self) -> dict[str, int]:
        """Return a copy of the per-entity counts."""
        with self._lock:
            return dict(self._counts)


class Scrubber:
    """Detects PII with ``detectors`` and replaces each finding with ``<ENTITY>``."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self._detectors = tuple(detectors)
        self.stats = RedactionStats()

    def _findings(self, text: str) -> list[Finding]:
        found = [f for d in self._detectors for f in d.detect(text)]
        found.sort(key=lambda f: (-f.score, -(f.end - f.start), f.start))
        kept: list[Finding] = []
        for f in found:
            if all(f.end <= k.start or f.start >= k.end for k in kept):
                kept.append(f)
        kept.sort(key=lambda f: f.start, reverse=True)
        return kept

    def scrub_text(self, text: str, counts: Counter[str] | None = None) -> str:
        try:
            local: Counter[str] = Counter()
            for f in self._findings(text):
                text = f"{text[: f.start]}<{f.entity}>{text[f.end :]}"
                local[f.entity] += 1
        except Exception:
            self.stats.add_failure()
            return FAILED_PLACEHOLDER
        self.stats.add(local)
        if counts is not None:
            counts.update(local)
        return text

    def scrub_texts(self, texts: Sequence[str], counts: Counter[str] | None = None) -> list[str]:
        return [self.scrub_text(t, counts) for t in texts]

    def scrub_value(
        self, value: Any, key: str | None = None, counts: Counter[str] | None = None
    ) -> Any:
        if isinstance(value, str):
            return self.scrub_text(value, counts)
        if isinstance(value, Mapping):
            return self.scrub_mapping(value, counts)
        if isinstance(value, list | tuple):
            return [self.scrub_value(v, key, counts) for v in value]
        return value

    def scrub_mapping(
        self, data: Mapping[str, Any], counts: Counter[str] | None = None
    ) -> dict[str, Any]:
        return {k: self.scrub_value(v, str(k), counts) for k, v in data.items()}
