"""The README's examples run as written and print what the README shows.

Every ```python block followed directly by a ```text block is run with this
interpreter (from stdin, as a user pasting it would) and its output compared
with the text block; every ```console block whose commands start with
``logward scrub`` or pipe into it is run with bash and compared the same way.
Examples that need services (Kafka, Elasticsearch, a running dashboard) are
covered by their own integration tests instead.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _blocks() -> list[tuple[str, str, int, int]]:
    return [(m.group(1), m.group(2), m.start(), m.end()) for m in _BLOCK.finditer(README)]


def _python_examples() -> list[tuple[str, str]]:
    blocks = _blocks()
    pairs = []
    for (kind, body, _, end), (nkind, nbody, nstart, _) in itertools.pairwise(blocks):
        if kind == "python" and nkind == "text" and not README[end:nstart].strip():
            pairs.append((body, nbody))
    return pairs


def _scrub_examples() -> list[tuple[str, str]]:
    examples = []
    for kind, body, _, _ in _blocks():
        if kind != "console" or "logward scrub" not in body:
            continue
        command, output, lines = [], [], body.splitlines()
        for line in lines:
            if line.startswith("$ "):
                command.append(line[2:])
            elif command and command[-1].endswith("\\"):
                command.append(line)
            else:
                output.append(line)
        examples.append(("\n".join(command), "\n".join(output)))
    return examples


def _output(argv: list[str], tmp_path: Path, stdin: str | None = None) -> str:
    """Run ``argv`` in ``tmp_path`` as a user would (this venv first on PATH); stdout + stderr."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        argv, input=stdin, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert 0 == done.returncode, done.stderr
    return (done.stdout + done.stderr).strip()


@pytest.mark.parametrize(("code", "expected"), _python_examples())
def test_python_example_prints_what_the_readme_shows(
    code: str, expected: str, tmp_path: Path
) -> None:
    """A Python example pasted into the interpreter prints the README's output."""
    assert expected.strip() == _output([sys.executable, "-"], tmp_path, stdin=code)


@pytest.mark.parametrize(("command", "expected"), _scrub_examples())
def test_scrub_console_example_prints_what_the_readme_shows(
    command: str, expected: str, tmp_path: Path
) -> None:
    """A `logward scrub` console example prints the README's output."""
    if "employee.yaml" in command:
        recognizers = re.search(r"\$ cat employee.yaml\n(.*?)\n\$", README, re.S)
        assert recognizers is not None
        (tmp_path / "employee.yaml").write_text(recognizers.group(1) + "\n")
    assert expected.strip() == _output(["bash", "-c", command], tmp_path)


def test_readme_examples_are_found() -> None:
    """The parser finds the logging, dictConfig, structlog and scrub examples."""
    assert 3 <= len(_python_examples())
    assert 2 <= len(_scrub_examples())
