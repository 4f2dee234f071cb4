"""The protocols every detector meets (kept apart from ``Finding``, which is compiled)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from detectors._base import Finding

__all__ = ["BatchDetector", "Detector"]


@runtime_checkable
class Detector(Protocol):
    """Finds PII in one text. Built once; ``detect`` does no I/O."""

    @property
    def name(self) -> str:
        """Stable name of this detector, recorded on its findings."""
        ...

    def detect(self, text: str) -> Iterable[Finding]:
        """Return the findings in ``text`` (any order, overlaps allowed)."""
        ...


@runtime_checkable
class BatchDetector(Detector, Protocol):
    """A detector that is much faster on batches (NER through ``nlp.pipe``)."""

    def detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Return the findings of each text, in order."""
        ...
