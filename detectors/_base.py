"""The values and protocol every detector shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["BatchDetector", "Detector", "Finding"]


@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """One detected span of PII in a text.

    Attributes:
        entity: UPPER_SNAKE entity type, as in presidio (``EMAIL_ADDRESS``).
        start: offset of the first character of the span.
        end: offset one past the last character of the span.
        score: confidence in [0, 1]; overlaps keep the higher score.
        detector: the ``name`` of the detector that found it.
    """

    entity: str
    start: int
    end: int
    score: float
    detector: str

    def __init__(self, entity: str, start: int, end: int, score: float, detector: str) -> None:
        # the generated __init__ of a frozen dataclass, with the slots' setters bound
        # once (below) instead of looked up through object.__setattr__: 0.6 -> 0.35 us
        _set_entity(self, entity)
        _set_start(self, start)
        _set_end(self, end)
        _set_score(self, score)
        _set_detector(self, detector)


# the slots' own setters, which a frozen dataclass's __setattr__ does not guard
_set_entity = vars(Finding)["entity"].__set__
_set_start = vars(Finding)["start"].__set__
_set_end = vars(Finding)["end"].__set__
_set_score = vars(Finding)["score"].__set__
_set_detector = vars(Finding)["detector"].__set__


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
