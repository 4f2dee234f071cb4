"""The value every detector returns: one finding (the protocols are in ``_protocols``)."""

from __future__ import annotations

import types
from dataclasses import dataclass

from mypy_extensions import mypyc_attr

__all__ = ["Finding"]


@mypyc_attr(allow_interpreted_subclasses=True, serializable=True)
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
        if _NATIVE:
            # compiled (mypyc): the fields are the native object's own, stored
            # directly (the frozen __setattr__ guards Python code only): 0.03 us
            self.entity = entity  # type: ignore[misc]
            self.start = start  # type: ignore[misc]
            self.end = end  # type: ignore[misc]
            self.score = score  # type: ignore[misc]
            self.detector = detector  # type: ignore[misc]
        else:
            # plain Python: the generated __init__ of a frozen dataclass, with the
            # slots' setters bound once (below) instead of looked up through
            # object.__setattr__: 0.6 -> 0.35 us
            _set_entity(self, entity)
            _set_start(self, start)
            _set_end(self, end)
            _set_score(self, score)
            _set_detector(self, detector)

    def __reduce__(self) -> tuple[type[Finding], tuple[str, int, int, float, str]]:
        # copy and pickle through __init__ (a frozen class's state cannot be set back)
        return (Finding, (self.entity, self.start, self.end, self.score, self.detector))


# Whether Finding is compiled (mypyc): its __init__ is then no Python function.
_NATIVE = not isinstance(vars(Finding)["__init__"], types.FunctionType)
# the slots' own setters, which a frozen dataclass's __setattr__ does not guard
_set_entity = vars(Finding)["entity"].__set__
_set_start = vars(Finding)["start"].__set__
_set_end = vars(Finding)["end"].__set__
_set_score = vars(Finding)["score"].__set__
_set_detector = vars(Finding)["detector"].__set__
