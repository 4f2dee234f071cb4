"""The compiled hot path (``make compile``) against its Python sources.

mypyc turns the hot modules into C extensions. The Python sources stay the
reference: the unit tests run on both builds (``make test`` runs
tests/scrubber and tests/detectors again with ``LOGWARD_PURE_PYTHON=1``), and
here the two builds scrub the same inputs, in two processes, and must write
byte-identical output.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests import _purepy

HOT = [
    "scrubber._engine",
    "scrubber._filter",
    "detectors._scan_group",
    "detectors._person",
]

# Scrubs a fixed corpus three ways (scrub_text, scrub_mapping, the logging filter)
# and prints every result: the rule golden files' lines, the bench corpus, the
# logging bench's mix, and hostile long lines.
_SCRIPT = r"""
import io, json, logging, os, sys
if os.environ.get("LOGWARD_PURE_PYTHON") == "1":
    from tests import _purepy
    _purepy.prefer_sources()
import scrubber
from bench.bench_logging_overhead import build_mix
engine = scrubber.load_scrubber()
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
out = sys.stdout
for text in lines:
    out.write(engine.scrub_text(text) + "\n")
for text in engine.scrub_texts(lines[:500]):
    out.write(text + "\n")
for text in lines:
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            continue
        out.write(json.dumps(engine.scrub_mapping(data), sort_keys=True, default=str) + "\n")
standard = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}

class WithExtras(logging.Formatter):
    def format(self, record):
        extras = {k: v for k, v in vars(record).items() if k not in standard}
        return record.getMessage() + " " + repr(sorted(extras.items(), key=repr))

stream = io.StringIO()
handler = logging.StreamHandler(stream)
handler.setFormatter(WithExtras())
handler.addFilter(scrubber.ScrubbingFilter(engine))
logger = logging.getLogger("compiled-check")
logger.handlers[:] = [handler]
logger.propagate = False
logger.setLevel(logging.INFO)
for template, args, extra in build_mix(3000, seed=5):
    logger.info(template, *args, extra=extra)
out.write(stream.getvalue())
out.write(json.dumps(dict(engine.stats.snapshot()), sort_keys=True) + "\n")
"""


def _compiled() -> bool:
    return all((importlib.import_module(name).__file__ or "").endswith(".so") for name in HOT)


def _inputs(path: Path) -> Path:
    """The rule golden files' lines, the bench corpus and hostile long lines, in one
    file (the bench corpus's timestamps follow the clock: both runs read this one)."""
    from bench import corpus
    from bench.bench_scrub_speed import ADVERSARIAL

    lines = []
    for golden in sorted((_purepy.ROOT / "tests" / "detectors" / "golden").rglob("*.log")):
        lines += golden.read_text(encoding="utf-8").splitlines()
    lines += [line.text for line in corpus.generate(3000, seed=11)]
    lines += [unit * (4096 // len(unit)) for unit in ADVERSARIAL.values()]
    path.write_text("\n".join(line.replace("\n", " ") for line in lines), encoding="utf-8")
    return path


def _run(pure: bool, inputs: Path) -> str:
    env = {**os.environ, "LOGWARD_PURE_PYTHON": "1" if pure else "0"}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(inputs)],
        cwd=_purepy.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    return done.stdout


def test_the_build_is_the_one_asked_for() -> None:
    """CI sets LOGWARD_EXPECT_COMPILED: then the hot modules must be the extensions;
    under LOGWARD_PURE_PYTHON they must be the sources."""
    if os.environ.get("LOGWARD_PURE_PYTHON") == "1":
        assert not any(
            (importlib.import_module(name).__file__ or "").endswith(".so") for name in HOT
        )
    elif os.environ.get("LOGWARD_EXPECT_COMPILED") == "1":
        assert _compiled(), "make compile did not build the hot path"
    else:
        pytest.skip("neither LOGWARD_EXPECT_COMPILED nor LOGWARD_PURE_PYTHON is set")


@pytest.mark.integration
def test_compiled_and_python_builds_write_the_same_output(tmp_path: Path) -> None:
    """Same inputs, two processes, one per build: byte-identical output and counts."""
    if os.environ.get("LOGWARD_PURE_PYTHON") == "1" or not _compiled():
        pytest.skip("the hot path is not compiled here (make compile)")
    inputs = _inputs(tmp_path / "inputs.txt")
    compiled, pure = _run(pure=False, inputs=inputs), _run(pure=True, inputs=inputs)
    assert len(compiled.splitlines()) > 5000
    assert "<EMAIL_ADDRESS>" in compiled
    if compiled != pure:
        diff = [
            (a, b) for a, b in zip(compiled.splitlines(), pure.splitlines(), strict=False) if a != b
        ]
        pytest.fail(f"{len(diff)} lines differ; first: compiled {diff[:1]!r}")


_SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX"))


def _load_compile_hot(root: Path) -> object:
    """tools/compile_hot.py as a module whose ROOT is ``root``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "compile_hot_under_test", _purepy.ROOT / "tools" / "compile_hot.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT = root  # type: ignore[attr-defined]
    return module


def _tree(root: Path, sources: list[str], built: list[str]) -> None:
    (root / "pyproject.toml").write_text(
        "[tool.logward.compile]\nmodules = [" + ", ".join(f'"{name}"' for name in sources) + "]\n",
        encoding="utf-8",
    )
    for name in sources:
        path = root / (name.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("X = 1\n", encoding="utf-8")
        os.utime(path, (1_000, 1_000))
    for name in built:
        path = root / (name.replace(".", "/") + _SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        os.utime(path, (2_000, 2_000))


def test_compile_hot_rebuilds_only_when_a_source_is_newer_or_an_extension_missing(
    tmp_path: Path,
) -> None:
    """make compile's up-to-date test: every listed module built after every source."""
    tool = _load_compile_hot(tmp_path)
    _tree(tmp_path, ["scrubber._a", "detectors._b"], ["scrubber._a", "detectors._b"])
    (tmp_path / f"logward_hot__mypyc{_SUFFIX}").write_bytes(b"")
    assert tool.up_to_date()  # type: ignore[attr-defined]
    os.utime(tmp_path / "detectors" / "_b.py", (3_000, 3_000))  # an edited source
    assert not tool.up_to_date()  # type: ignore[attr-defined]
    os.utime(tmp_path / "detectors" / "_b.py", (1_000, 1_000))
    (tmp_path / "scrubber" / f"_a{_SUFFIX}").unlink()
    assert not tool.up_to_date()  # type: ignore[attr-defined]


def test_compile_hot_names_the_module_it_cannot_find(tmp_path: Path) -> None:
    """A listed module without a source is a clear error naming it."""
    tool = _load_compile_hot(tmp_path)
    _tree(tmp_path, ["scrubber._a"], [])
    (tmp_path / "pyproject.toml").write_text(
        '[tool.logward.compile]\nmodules = ["scrubber._a", "scrubber._gone"]\n', encoding="utf-8"
    )
    with pytest.raises(SystemExit, match=r"no source for 'scrubber._gone'"):
        tool.hot_modules()  # type: ignore[attr-defined]


def test_a_stale_extension_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test session refuses extensions older than their sources (tests/conftest.py)."""
    _tree(tmp_path, ["scrubber._a", "detectors._b"], ["scrubber._a", "detectors._b"])
    monkeypatch.setattr(_purepy, "ROOT", tmp_path)
    assert [] == _purepy.stale_extensions()
    os.utime(tmp_path / "scrubber" / "_a.py", (3_000, 3_000))
    assert [f"scrubber/_a{_SUFFIX}"] == _purepy.stale_extensions()
