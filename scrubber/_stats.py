"""Process-wide redaction counters (counts only, never values)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping

from mypy_extensions import mypyc_attr

__all__ = ["RedactionStats"]


@mypyc_attr(allow_interpreted_subclasses=True)
class RedactionStats:
    """Thread-safe per-entity redaction counters for the whole process (counts only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._failures = 0

    def add(self, counts: Mapping[str, int]) -> None:
        """Add per-entity counts."""
        with self._lock:
            totals = self._counts
            for entity, count in counts.items():  # Counter.update, without its ABC check
                totals[entity] += count

    def add_failure(self) -> None:
        """Count one scrubbing failure (the text was replaced by ``FAILED_PLACEHOLDER``)."""
        with self._lock:
            self._failures += 1

    @property
    def failures(self) -> int:
        """How many texts or values failed closed."""
        return self._failures

    def snapshot(self) -> dict[str, int]:
        """Return a copy of the per-entity counts."""
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._counts.clear()
            self._failures = 0
