"""Each package's ``__all__`` is complete and resolvable (ruff RUF022 keeps it sorted)."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = ["logward", "logward.errors", "detectors", "scrubber", "monitor"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_resolvable(name: str) -> None:
    """Every name in __all__ exists and none is listed twice."""
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert len(set(exported)) == len(exported)
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item!r}"


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_complete(name: str) -> None:
    """Every public non-module attribute of the package is listed in __all__."""
    module = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", name) != "__future__"
        and attr != "annotations"
    }
    assert set() == public - set(module.__all__)
