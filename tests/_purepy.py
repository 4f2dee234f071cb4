"""Import the project's Python sources even where a compiled module sits beside them.

``make compile`` (tools/compile_hot.py) puts mypyc extensions next to the hot
path's sources, and Python imports an extension in preference to a ``.py``.
With ``LOGWARD_PURE_PYTHON=1`` the test session (tests/conftest.py) calls
:func:`prefer_sources` first, so the same tests also run on the plain Python
build, which is the reference the compiled one must match.
"""

from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path
from typing import Any

__all__ = ["COMPILED_PACKAGES", "ROOT", "compiled_modules", "prefer_sources", "stale_extensions"]

ROOT = Path(__file__).resolve().parent.parent
COMPILED_PACKAGES = ("scrubber", "detectors")


def prefer_sources() -> None:
    """Make the import system skip extension modules in the project's own folders."""
    source_only = importlib.machinery.FileFinder.path_hook(
        (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES),
        (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
    )
    own = {ROOT, *(ROOT / package for package in COMPILED_PACKAGES)}

    def hook(path: str) -> Any:
        if Path(path or ".").resolve() not in own:
            raise ImportError("not one of logward's own folders")
        return source_only(path)

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()
    loaded = [name for name in sys.modules if name.partition(".")[0] in COMPILED_PACKAGES]
    if loaded:
        raise RuntimeError(f"prefer_sources() is too late: {sorted(loaded)[:3]} already imported")


def compiled_modules() -> list[Path]:
    """The compiled extensions present in the project's folders."""
    return [path for package in COMPILED_PACKAGES for path in (ROOT / package).glob("*.so")]


def stale_extensions() -> list[str]:
    """Compiled modules older than their source (Python would run the old code)."""
    stale = []
    for path in compiled_modules():
        source = path.with_name(path.name.split(".", 1)[0] + ".py")
        if not source.exists() or source.stat().st_mtime > path.stat().st_mtime:
            stale.append(str(path.relative_to(ROOT)))
    return stale
