"""Compile logward's hot path with mypyc, in place (``make compile``).

The modules are listed in ``pyproject.toml`` under ``[tool.logward.compile]``.
Each one becomes a C extension next to its source (``scrubber/_engine.*.so``),
which Python imports in preference to the ``.py``; the shared runtime is the
top-level ``logward_hot__mypyc.*.so``. The sources stay the reference: every
compiled module is plain, mypy-strict Python, and the unit tests run against
both builds (``make test``). ``--clean`` removes the extensions, so the pure
Python modules are imported again. Without ``--force`` nothing is rebuilt
while every extension is newer than every compiled source.

Usage: python tools/compile_hot.py [--force | --clean]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUP = "logward_hot"
# this interpreter's extension suffix (".cpython-311-x86_64-linux-gnu.so")
EXT_SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX"))


def hot_modules() -> list[str]:
    """The source paths ``[tool.logward.compile] modules`` names, checked to exist."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    try:
        modules = config["tool"]["logward"]["compile"]["modules"]
    except KeyError:
        sys.exit("pyproject.toml: [tool.logward.compile] modules is missing")
    paths = []
    for name in modules:
        path = ROOT / (name.replace(".", "/") + ".py")
        if not path.is_file():
            sys.exit(f"pyproject.toml: [tool.logward.compile] modules: no source for {name!r}")
        paths.append(str(path.relative_to(ROOT)))
    return paths


def extensions(suffix: str = "") -> list[Path]:
    """The compiled extensions here: for this interpreter (its ``EXT_SUFFIX``), or
    for any when ``suffix`` is ``".so"`` (what :func:`clean` removes)."""
    suffix = suffix or EXT_SUFFIX
    found = list(ROOT.glob(f"{GROUP}__mypyc*{suffix}"))
    for package in ("scrubber", "detectors"):
        found.extend((ROOT / package).glob(f"*{suffix}"))
    return found


def up_to_date() -> bool:
    """True when each listed module has an extension newer than every listed source."""
    sources = [ROOT / path for path in hot_modules()]
    built = [source.with_name(source.stem + EXT_SUFFIX) for source in sources]
    if (
        not all(path.exists() for path in built)
        or not (ROOT / f"{GROUP}__mypyc{EXT_SUFFIX}").exists()
    ):
        return False
    newest_source = max(path.stat().st_mtime for path in sources)
    return all(path.stat().st_mtime >= newest_source for path in built)


def clean() -> None:
    """Remove every compiled extension (for any interpreter) and mypyc's build folder."""
    for path in extensions(".so"):
        path.unlink()
    shutil.rmtree(ROOT / "build" / "mypyc", ignore_errors=True)


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    clean()
    os.chdir(ROOT)
    setup(
        name="logward-hot",
        packages=[],
        py_modules=[],
        ext_modules=mypycify(
            hot_modules(), opt_level="3", group_name=GROUP, target_dir="build/mypyc"
        ),
        script_args=["--quiet", "build_ext", "--inplace", "--build-temp", "build/mypyc"],
    )


def ensure() -> bool:
    """Build unless :func:`up_to_date`; return whether it built (``make compile``,
    and ``hatch_build.py`` at install)."""
    if up_to_date():
        return False
    build()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--force", action="store_true", help="rebuild even when up to date")
    what.add_argument("--clean", action="store_true", help="remove the compiled modules")
    args = parser.parse_args()
    if args.clean:
        clean()
        return
    if args.force:
        build()
    elif not ensure():
        print("compiled modules are up to date")
        return
    print(f"compiled {len(hot_modules())} modules with mypyc")


if __name__ == "__main__":
    main()
