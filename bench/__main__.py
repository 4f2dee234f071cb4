"""Run every ``bench/bench_*.py`` module's ``main()`` in turn, or those named on the command line.

Each benchmark prints its figures next to its baseline and writes them to
``bench/results/<name>.json``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        rc = module.main([])
        failed += 1 if rc else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
