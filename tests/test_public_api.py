"""Each package's ``__all__`` is complete and resolvable (ruff RUF022 keeps it sorted)."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = [
    "detectors",
    "logward",
    "logward.dashboard",
    "logward.dashboard.routes",
    "logward.demo",
    "logward.errors",
    "logward.paths",
    "logward_base",
    "logward.stream",
    "monitor",
    "monitor.detect",
    "monitor.notify",
    "monitor.parsers",
    "monitor.respond",
    "monitor.revokers",
    "scrubber",
]


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
    """Every public class, function or constant the package defines is listed in __all__."""
    module = importlib.import_module(name)
    public = set()
    for attr, value in vars(module).items():
        if attr.startswith("_") or isinstance(value, types.ModuleType) or attr == "annotations":
            continue
        origin = getattr(value, "__module__", None)
        if isinstance(value, type | types.FunctionType):
            if origin is not None and origin.startswith(name):
                public.add(attr)
        elif attr.isupper() or origin is None:
            public.add(attr)  # constants defined (or re-exported) here
    assert set() == public - set(module.__all__)
