"""Run every ``bench/bench_*.py`` module's ``main()`` in turn, or those named on the command line.

``python -m bench bench_x --flag ...``: arguments after the first one that
starts with ``-`` go to the named benchmarks' ``main()`` (e.g. ``--quick``).
Each benchmark prints its figures next to its baseline and writes them to
``bench/results/<name>.json``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    split = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:split], argv[split:]
    names = names or sorted(p.stem for p in here.glob("bench_*.py"))
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        rc = module.main(list(options))
        failed += 1 if rc else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
