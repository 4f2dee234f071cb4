"""Read the annotated golden logs: each input line follows its expectation comment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"


@dataclass(frozen=True)
class Case:
    """One input line and what its parser must produce (``None``: no event)."""

    file: Path
    line_no: int
    line: str
    expected: dict[str, Any] | None


def load(path: Path) -> tuple[dict[str, Any], list[Case]]:
    """Return the file's parser options and its cases."""
    options: dict[str, Any] = {}
    cases: list[Case] = []
    pending: dict[str, Any] | str | None = "unset"
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.startswith("# options:"):
            options = json.loads(raw[len("# options:") :])
        elif raw.startswith("# {"):
            pending = json.loads(raw[2:])
        elif raw == "# none":
            pending = None
        elif raw.startswith("#") or not raw.strip():
            continue
        else:
            if pending == "unset":
                raise AssertionError(f"{path.name}:{number}: input line without expectation")
            cases.append(Case(path, number, raw, pending))  # type: ignore[arg-type]
            pending = "unset"
    return options, cases
