"""``logward scrub``: one line out per line in, JSON stays JSON, bad bytes, streaming."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from logward.cli import main
from logward.commands.scrub import ScrubRun, scrub_stream
from scrubber import FAILED_PLACEHOLDER, Scrubber
from tests.scrubber.test_logging_filter import EMAIL, EmailDetector, ExplodingDetector

LOGWARD = Path(sys.executable).with_name("logward")


@pytest.fixture
def engine() -> Scrubber:
    """An engine over the fake email detector."""
    return Scrubber([EmailDetector()])


def scrub_bytes(engine: Scrubber, *inputs: bytes, **options) -> bytes:
    """Run scrub_stream over in-memory inputs; return the output bytes."""
    sink = io.BytesIO()
    scrub_stream(engine, [io.BytesIO(data) for data in inputs], sink, **options)
    return sink.getvalue()


def test_text_lines_are_scrubbed_in_order(engine):
    """Each text line comes out scrubbed, in input order."""
    data = f"a {EMAIL}\nplain\n\nb <{EMAIL}>\n".encode()
    expected = b"a <EMAIL_ADDRESS>\nplain\n\nb <<EMAIL_ADDRESS>>\n"
    assert expected == scrub_bytes(engine, data)


def test_json_lines_stay_json_with_the_same_keys(engine):
    """A JSON object or array line stays valid JSON with the same keys and order."""
    obj = {"msg": f"to {EMAIL}", "n": 1, "nested": {"cc": [EMAIL, 2.5, None, True]}}
    data = (json.dumps(obj) + "\n" + json.dumps([EMAIL, {"x": EMAIL}]) + "\n").encode()
    first, second = scrub_bytes(engine, data).decode().splitlines()
    doc = json.loads(first)
    assert list(obj) == list(doc)
    assert {
        "msg": "to <EMAIL_ADDRESS>",
        "n": 1,
        "nested": {"cc": ["<EMAIL_ADDRESS>", 2.5, None, True]},
    } == doc
    assert ["<EMAIL_ADDRESS>", {"x": "<EMAIL_ADDRESS>"}] == json.loads(second)


def test_json_compact_separators_are_kept(engine):
    """Compact JSON stays compact; spaced JSON stays spaced."""
    data = b'{"a":"x","b":1}\n{"a": "x", "b": 1}\n'
    assert data == scrub_bytes(engine, data)


def test_lines_that_only_look_like_json_are_text(engine):
    """A line starting with a brace that is not JSON is scrubbed as text."""
    data = f"{{not json {EMAIL}\n[INFO] {EMAIL}\n".encode()
    assert b"{not json <EMAIL_ADDRESS>\n[INFO] <EMAIL_ADDRESS>\n" == scrub_bytes(engine, data)


def test_invalid_utf8_and_separators_keep_the_line_count(engine):
    """Bad bytes, \\r, \\x0b, \\x1c, U+2028 and NUL never add or remove a line."""
    data = (
        b"bad \xff\xfe\xc3 bytes " + EMAIL.encode() + b"\n"
        b"cr\rinside\n"
        b"vt\x0bfs\x1cls\xe2\x80\xa8ps\xe2\x80\xa9nul\x00end\n"
        b"crlf\r\n"
        b"\x80\x81\x82\n"
    )
    out = scrub_bytes(engine, data)
    assert data.count(b"\n") == out.count(b"\n")
    lines = out.split(b"\n")
    assert "bad \ufffd\ufffd\ufffd bytes <EMAIL_ADDRESS>" == lines[0].decode("utf-8")
    assert b"cr\rinside" == lines[1]
    assert b"crlf\r" == lines[3]
    out.decode("utf-8")  # always valid UTF-8


def test_json_with_lone_surrogate_escape_stays_valid(engine):
    """A JSON escape of a lone surrogate is written back as an escape, as valid UTF-8."""
    data = b'{"a": "\\ud800 x"}\n'
    out = scrub_bytes(engine, data)
    assert {"a": "\ud800 x"} == json.loads(out.decode("utf-8"))


def test_deeply_nested_json_is_handled(engine):
    """JSON nested beyond the parser's limit is scrubbed as text, on one line."""
    deep = ("[" * 100_000 + f'"{EMAIL}"' + "]" * 100_000).encode()
    out = scrub_bytes(engine, deep + b"\n")
    assert 1 == out.count(b"\n")
    assert EMAIL.encode() not in out


def test_last_line_without_newline_keeps_having_none(engine):
    """An unterminated last line is not given a newline (line counts match any way)."""
    assert b"a\n<EMAIL_ADDRESS>" == scrub_bytes(engine, f"a\n{EMAIL}".encode())


def test_two_inputs_never_merge_lines(engine):
    """The unterminated last line of one input does not merge with the next input."""
    assert b"a\nb\n" == scrub_bytes(engine, b"a", b"b\n")


def test_batch_size_does_not_change_output(engine):
    """Any batch size gives the same output."""
    data = "".join(f"{i} {EMAIL if i % 3 else 'x'}\n" for i in range(50)).encode()
    outputs = {scrub_bytes(engine, data, batch_size=size) for size in (1, 7, 256)}
    assert 1 == len(outputs)


def test_over_long_line_is_truncated_with_a_marker(engine):
    """A line over max_line_bytes is cut and marked; the next line is intact."""
    run = ScrubRun()
    sink = io.BytesIO()
    data = b"x" * 300_000 + b"\n" + EMAIL.encode() + b"\n"
    scrub_stream(engine, [io.BytesIO(data)], sink, max_line_bytes=1000, run=run)
    first, second, end = sink.getvalue().split(b"\n")
    assert (b"x" * 1000 + b" [logward: line truncated]", b"<EMAIL_ADDRESS>", b"") == (
        first,
        second,
        end,
    )
    assert (2, 1) == (run.lines, run.truncated)


@pytest.mark.parametrize("before", [b"", b"short\n"])
def test_value_split_by_the_truncation_is_redacted_whole(engine, before):
    """A value cut in two by max_line_bytes is found whole and redacted, not left in part."""
    long_line = b"x" * 990 + b" " + EMAIL.encode() + b" " + b"y" * 100_000
    out = scrub_bytes(engine, before + long_line + b"\n", max_line_bytes=1000)
    expected = b"x" * 990 + b" <EMAIL_ADDRESS> [logward: line truncated]\n"
    assert before + expected == out
    assert b"jane" not in out


def test_output_is_flushed_before_input_ends(engine):
    """Streaming: lines already read are written before more input arrives."""

    class Source(io.RawIOBase):
        def __init__(self, chunks, sink):
            self.chunks = list(chunks)
            self.sink = sink
            self.seen = []

        def readable(self):
            return True

        def read(self, size=-1):
            self.seen.append(self.sink.getvalue())
            return self.chunks.pop(0) if self.chunks else b""

    sink = io.BytesIO()
    source = Source([f"one {EMAIL}\n".encode(), b"two\n"], sink)
    scrub_stream(engine, [source], sink, batch_size=1000)  # type: ignore[list-item]
    assert [b"", b"one <EMAIL_ADDRESS>\n", b"one <EMAIL_ADDRESS>\ntwo\n"] == source.seen


def test_failing_detector_fails_closed_line_by_line():
    """A detector that raises turns the line into the placeholder, never the raw text."""
    out = scrub_bytes(Scrubber([ExplodingDetector()]), f"{EMAIL}\n".encode())
    assert f"{FAILED_PLACEHOLDER}\n".encode() == out


def test_counts_collect_per_entity(engine):
    """The run counts lines and redactions per entity."""
    run = ScrubRun()
    data = f'{EMAIL} {EMAIL}\n{{"a": "{EMAIL}"}}\nnone\n'.encode()
    scrub_stream(engine, [io.BytesIO(data)], io.BytesIO(), run=run)
    assert (3, {"EMAIL_ADDRESS": 3}) == (run.lines, dict(run.counts))


# -- the command line, with the shipped rules -----------------------------------------


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """Run ``logward scrub`` as a user would."""
    return subprocess.run(
        [str(LOGWARD), "scrub", *args], input=stdin, capture_output=True, timeout=120, check=False
    )


def test_cli_reads_stdin_and_reports_stats(tmp_path):
    """stdin in, scrubbed lines out; --stats prints counts only, to stderr."""
    data = f'mail {EMAIL}\n{{"user": "{EMAIL}", "n": 1}}\nplain line\n'.encode()
    result = run_cli("--stats", stdin=data)
    assert 0 == result.returncode
    lines = result.stdout.decode().splitlines()
    assert ["mail <EMAIL_ADDRESS>", "plain line"] == [lines[0], lines[2]]
    assert {"user": "<EMAIL_ADDRESS>", "n": 1} == json.loads(lines[1])
    stats = dict(line.split("\t") for line in result.stderr.decode().splitlines())
    assert {"lines": "3", "failures": "0", "EMAIL_ADDRESS": "2"} == stats
    assert EMAIL not in result.stderr.decode()


def test_cli_reads_files_and_dash_in_order(tmp_path):
    """Files and ``-`` (stdin) are read in the order given."""
    first = tmp_path / "a.log"
    first.write_bytes(f"a {EMAIL}".encode())
    result = run_cli(str(first), "-", stdin=b"from stdin\n")
    assert (0, b"a <EMAIL_ADDRESS>\nfrom stdin\n") == (result.returncode, result.stdout)


def test_cli_missing_file_is_a_usage_error(tmp_path):
    """A file that does not exist exits 2 with a message, and writes nothing."""
    result = run_cli(str(tmp_path / "missing.log"))
    assert (2, b"") == (result.returncode, result.stdout)
    assert b"missing.log" in result.stderr


def test_cli_reads_a_named_pipe(tmp_path):
    """A FIFO (as from process substitution ``<(cmd)``) is read like a file."""
    import os
    import threading

    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as writer:
            writer.write(f"piped {EMAIL}\n".encode())

    thread = threading.Thread(target=feed)
    thread.start()
    result = run_cli(str(fifo))
    thread.join(10)
    assert (0, b"piped <EMAIL_ADDRESS>\n") == (result.returncode, result.stdout)


def test_cli_unopenable_input_is_a_usage_error(tmp_path):
    """An input that exists but cannot be opened (a UNIX socket) exits 2 naming it."""
    import socket

    path = tmp_path / "app.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        result = run_cli(str(path))
    assert (2, b"") == (result.returncode, result.stdout)
    assert b"app.sock" in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--batch-size", "0"],
        ["--batch-size", "many"],
        ["--rules", "/nonexistent-dir"],
        ["--ner-model", "no_such_model_package"],
    ],
)
def test_cli_bad_options_are_usage_errors(args):
    """Invalid options exit 2 and write nothing to stdout."""
    result = run_cli(*args, stdin=f"{EMAIL}\n".encode())
    assert (2, b"") == (result.returncode, result.stdout)


def test_cli_rules_dir_without_rules_is_refused(tmp_path):
    """An empty --rules directory is an error, not a silent pass-through."""
    result = run_cli("--rules", str(tmp_path), stdin=f"{EMAIL}\n".encode())
    assert (2, b"") == (result.returncode, result.stdout)
    assert b"no PII rules" in result.stderr


@pytest.mark.integration
@pytest.mark.ner
def test_cli_ner_removes_names_and_addresses():
    """--ner adds the NER tier: names and street addresses go, in text and JSON lines."""
    data = (
        b'sent receipt to Jane Doe at 221B Baker Street, London\n{"msg": "call from John Smith"}\n'
    )
    result = run_cli("--ner", "--stats", stdin=data)
    assert 0 == result.returncode
    text, doc = result.stdout.decode().splitlines()
    assert "Jane Doe" not in text
    assert "Baker Street" not in text
    assert {"msg": "call from <PERSON>"} == json.loads(doc)
    assert "PERSON\t2" in result.stderr.decode()


def test_cli_in_process_with_stdin(monkeypatch, capsysbinary):
    """main() works in-process on stdin (the path tests of other commands use)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{EMAIL}\n".encode())))
    assert 0 == main(["scrub"])
    assert b"<EMAIL_ADDRESS>\n" == capsysbinary.readouterr().out
