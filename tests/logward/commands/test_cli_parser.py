"""The command line builds only the named command's parser; what it prints is unchanged.

``logward.cli.main`` registers only the module of the command named first on
the command line (start-up time, issue 9). These tests hold it to the full
parser of ``build_parser``: same help for every command, same usage errors,
and the full help when no command is given.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from logward.cli import build_parser, main


def _full_commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the top-level parser has no commands")


def _full_parser_output(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.parametrize("command", sorted(_full_commands()))
def test_command_help_is_the_full_parsers(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``logward COMMAND --help`` prints what the full parser prints for it."""
    expected = _full_parser_output([command, "--help"], capsys)
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert 0 == exit_info.value.code
    assert expected == (capsys.readouterr().out, "")


@pytest.mark.parametrize(
    "argv",
    [
        ["scrub", "--bogus"],
        ["scrub", "--batch-size", "many"],
        ["monitor"],
        ["monitor", "parse"],
        ["quarantine"],
        ["es", "setup"],
        ["store", "prune", "--older-than"],
        ["scrb"],
        ["--bogus"],
    ],
)
def test_usage_errors_are_the_full_parsers(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A usage error prints the full parser's message and exits 2."""
    expected = _full_parser_output(argv, capsys)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert 2 == exit_info.value.code
    assert expected == capsys.readouterr()


def test_no_command_prints_the_full_help(capsys: pytest.CaptureFixture[str]) -> None:
    """``logward`` alone prints the help listing every command, on stderr, and exits 2."""
    assert 2 == main([])
    err = capsys.readouterr().err
    assert build_parser().format_help() == err
    for command in _full_commands():
        assert f"    {command}" in err


def test_scrub_imports_no_other_command() -> None:
    """``logward scrub`` loads no other command, stream or store code, sealer, NER or Presidio."""
    code = (
        "import io, sys\n"
        "from logward.cli import main\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'mail bob@example.com\\n'))\n"
        "out = io.BytesIO()\n"
        "wrapper = sys.stdout = io.TextIOWrapper(out)\n"
        "status = main(['scrub'])\n"
        "sys.stdout = sys.__stdout__\n"
        "print(status, out.getvalue().decode().strip())\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    first, modules = result.stdout.splitlines()
    assert "0 mail <EMAIL_ADDRESS>" == first
    loaded = set(modules.split())
    unwanted = {
        "logward.commands.monitor",
        "logward.commands.stream",
        "logward.commands.store",
        "logward.stream._processor",
        "monitor",
        "sqlite3",
        "socket",
        "cryptography",
        "detectors._ner",
        "detectors._presidio",
    }
    assert set() == unwanted & loaded
