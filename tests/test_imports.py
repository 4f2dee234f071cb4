"""Package boundaries: layers hold, and no package is entered except through its root.

Issue 16. The layers (``logward_base`` -> ``detectors`` -> ``scrubber`` ->
``monitor`` -> ``logward``) are checked by import-linter's layers contract
(``[tool.importlinter]`` in pyproject.toml, run as ``lint-imports`` by
``make lint``); this test runs the same contract so ``pytest`` alone catches a
violation. The private-import rule has no import-linter contract: an import of
``pkg._x`` (or of a ``_name`` from ``pkg``) is allowed only in a file inside
``pkg/``, in code, tests and benchmarks alike.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("logward_base", "detectors", "scrubber", "monitor", "logward")
SCANNED = (*OURS, "tests", "bench")


def _imports(tree: ast.AST) -> Iterator[tuple[int, str, list[str]]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []


def private_imports(root: Path = ROOT) -> list[str]:
    """Every import that enters one of our packages through a private name from outside it."""
    found = []
    for top in SCANNED:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
            for line, module, names in _imports(tree):
                parts = module.split(".")
                if parts[0] not in OURS:
                    continue
                owner = None
                for i, part in enumerate(parts):
                    if part.startswith("_") and not part.startswith("__"):
                        owner = parts[:i]
                        break
                if owner is None and any(
                    n.startswith("_") and not n.startswith("__") for n in names
                ):
                    owner = parts
                if owner is None:
                    continue
                if rel.parts[: len(owner)] != tuple(owner):
                    found.append(f"{rel}:{line}: {module} {', '.join(names)}".rstrip())
    return found


def test_no_private_import_outside_its_package() -> None:
    """Code, tests and benchmarks import other packages only through their public roots."""
    assert [] == private_imports()


def test_the_check_finds_a_private_import(tmp_path: Path) -> None:
    """The scanner is not blind: a planted private import outside its package is reported."""
    for top in SCANNED:
        (tmp_path / top).mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("from scrubber._engine import Scrubber\n")
    (tmp_path / "scrubber" / "ok.py").write_text("from scrubber._engine import Scrubber\n")
    (tmp_path / "bench" / "b.py").write_text("from monitor import _hidden\n")
    assert [
        "bench/b.py:1: monitor _hidden",
        "tests/test_x.py:1: scrubber._engine Scrubber",
    ] == sorted(private_imports(tmp_path))


def test_layers_contract_holds() -> None:
    """import-linter's layers contract (pyproject.toml) holds: no layer imports one above it."""
    exe = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert 0 == result.returncode, result.stdout[-3000:]
