"""Names of a package that load their module on first use (PEP 562).

A package keeps its start-up light by listing, for each name it exports but
does not import at once, the private module that defines it::

    _LAZY = {"Sealer": "_seal"}

    def __getattr__(name: str) -> typing.Any:
        return load_lazy(__name__, _LAZY, name)

The first access imports the module and stores the value in the package, so
later accesses are plain attribute reads.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["load_lazy"]


def load_lazy(package: str, modules: Mapping[str, str], name: str) -> Any:
    """Return ``package``'s attribute ``name``, importing its module first.

    Args:
        package: the package's ``__name__``.
        modules: exported name -> the package's private module that defines it.
        name: the attribute asked for.

    Raises:
        AttributeError: ``name`` is not one of ``modules``' names.
    """
    module = modules.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{package}.{module}"), name)
    setattr(sys.modules[package], name, value)
    return value
