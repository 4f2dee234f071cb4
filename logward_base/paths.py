"""Where logward finds its shipped rules and keeps its embedded state.

Part of :mod:`logward_base`, the bottom layer: it imports nothing of ours.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_DATA_DIR", "data_dir", "rules_dir"]

DEFAULT_DATA_DIR = "./logward-data"


def rules_dir() -> Path:
    """Return the directory of the shipped rules.

    In a source checkout (editable install) that is ``rules/`` at the top of the
    repository; in a wheel it is packaged as ``logward/_rules``.

    Returns:
        The directory holding ``pii/``, ``detections/`` and ``responses.yaml``.
    """
    top = Path(__file__).resolve().parent.parent
    packaged = top / "logward" / "_rules"
    if packaged.is_dir():
        return packaged
    return top / "rules"


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return (and create) the embedded data directory.

    Args:
        path: ``--data-dir`` as given; ``None`` means ``$LOGWARD_DATA_DIR`` or
            ``./logward-data``.

    Returns:
        The directory, created with mode 0700 if it did not exist.
    """
    chosen = Path(path or os.environ.get("LOGWARD_DATA_DIR") or DEFAULT_DATA_DIR)
    chosen.mkdir(mode=0o700, parents=True, exist_ok=True)
    return chosen
