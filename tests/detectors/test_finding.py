"""Finding keeps the frozen dataclass's behaviour with its own faster __init__."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from detectors import Finding


def test_finding_is_built_by_position_or_keyword_alike() -> None:
    """Positional and keyword construction give equal, equally hashed values."""
    by_position = Finding("EMAIL_ADDRESS", 3, 18, 0.95, "email")
    by_keyword = Finding(entity="EMAIL_ADDRESS", start=3, end=18, score=0.95, detector="email")
    assert by_position == by_keyword
    assert hash(by_position) == hash(by_keyword)
    assert "Finding(entity='EMAIL_ADDRESS', start=3, end=18, score=0.95, detector='email')" == repr(
        by_position
    )
    assert ("entity", "start", "end", "score", "detector") == Finding.__match_args__
    assert ["entity", "start", "end", "score", "detector"] == [
        f.name for f in dataclasses.fields(Finding)
    ]


def test_finding_stays_immutable_and_copyable() -> None:
    """Assignment fails; replace, copy and pickle give equal findings."""
    finding = Finding("PERSON", 0, 8, 0.7, "person_names")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 1  # type: ignore[misc]
    assert Finding("PERSON", 0, 9, 0.7, "person_names") == dataclasses.replace(finding, end=9)
    assert finding == copy.deepcopy(finding)
    assert finding == pickle.loads(pickle.dumps(finding))  # noqa: S301 (our own bytes)
    with pytest.raises(TypeError):
        Finding("PERSON", 0, 8, 0.7)  # type: ignore[call-arg]
