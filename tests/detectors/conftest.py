"""Fixtures for the detector tests: one scrubber built from the shipped rules."""

from __future__ import annotations

import pytest

import scrubber
from scrubber import Scrubber


@pytest.fixture(scope="session")
def shipped() -> Scrubber:
    """The pattern-tier scrubber built from the shipped rules, shared by the session."""
    return scrubber.load_scrubber()
