"""One CSV writer for every CSV logward writes: reports, audit exports, the dashboard.

Every text cell that a spreadsheet would read as a formula is neutralised by
prefixing it with ``'`` (OWASP "CSV Injection"): cells starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return, and their full-width forms. Numbers
stay numbers. Account names, user agents and paths are client-written, so every
export goes through here.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from typing import Any, TextIO

__all__ = ["FORMULA_PREFIXES", "SafeCsvWriter", "safe_cell"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """A cell as it may be written: formulas neutralised, ``None``/NaN empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` that neutralises formula cells.

    Args:
        out: a text stream (open files with ``newline=""``).
    """

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each cell through :func:`safe_cell`."""
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write several rows."""
        for row in rows:
            self.writerow(row)
