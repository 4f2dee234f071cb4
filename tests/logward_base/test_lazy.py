"""load_lazy: a package's names loaded from their module on first use."""

from __future__ import annotations

import sys

import pytest

from logward_base import load_lazy


def test_a_lazy_name_is_imported_once_then_read_from_the_package():
    """The first access imports the module and stores the value in the package."""
    import scrubber

    value = load_lazy("scrubber", {"Sealer": "_seal"}, "Sealer")
    assert "scrubber._seal" in sys.modules
    assert value is vars(scrubber)["Sealer"]


def test_an_unknown_name_is_an_attribute_error_naming_the_package():
    """A name outside the table raises AttributeError (so hasattr() stays false)."""
    with pytest.raises(AttributeError, match="'detectors' has no attribute 'Nope'"):
        load_lazy("detectors", {}, "Nope")
    import detectors

    assert not hasattr(detectors, "Nope")
