"""``logward scrub [FILE...]``: scrub log lines from files or stdin to stdout.

Exactly one output line per input line, in order. Lines are split on ``\\n``
only (an embedded ``\\r`` or other separator never changes the count); bytes
that are not UTF-8 become U+FFFD. A line that parses as a JSON object or array
stays JSON with the same keys; any other line is scrubbed as text. Input is
streamed: lines are scrubbed in batches (``Scrubber.scrub_texts``, which lets the
NER tier use ``nlp.pipe``) and each batch is written and flushed before more is
read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from logward_base.errors import ConfigError

if TYPE_CHECKING:
    from scrubber import Scrubber

__all__ = ["ScrubRun", "register", "scrub_stream"]

_READ_SIZE = 1 << 16
DEFAULT_BATCH_SIZE = 256
DEFAULT_MAX_LINE_BYTES = 8 << 20
_TRUNCATED = " [logward: line truncated]"
# A truncated line is scanned this far past its cut, so that a value the cut
# splits is still found whole, and redacted whole, instead of leaking in part.
_CUT_MARGIN = 8 << 10
_DESCRIPTION = """\
Scrub PII from log lines read from FILEs (or stdin) and write them to stdout.

Exactly one output line per input line, in order; lines are split on \\n only.
Bytes that are not UTF-8 become U+FFFD. JSON object/array lines stay JSON with
the same keys; other lines are scrubbed as text. Output is flushed per batch.

exit status: 0 done, 1 stdout closed early, 2 usage or configuration error"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scrub`` subcommand."""
    parser = subparsers.add_parser(
        "scrub",
        help="scrub PII from log lines (files or stdin) to stdout",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="input files; none or - is stdin")
    parser.add_argument(
        "--ner", action="store_true", help="also run the NER tier (names, addresses)"
    )
    parser.add_argument("--ner-model", metavar="NAME_OR_PATH", help="spaCy model package or path")
    parser.add_argument(
        "--rules", metavar="DIR", type=Path, help="rules directory (default: shipped)"
    )
    parser.add_argument(
        "--presidio-recognizers",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="Presidio recognizer YAML to run as well (repeatable; needs logward[presidio])",
    )
    parser.add_argument(
        "--stats",
        action="store_true",
        help="print per-entity redaction counts to stderr at the end",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"lines scrubbed per batch (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument(
        "--max-line-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_LINE_BYTES,
        metavar="N",
        help="longer lines are truncated, with a marker (default 8 MiB)",
    )
    parser.set_defaults(func=_run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


class ScrubRun:
    """What one ``logward scrub`` run did: lines, failures and counts per entity."""

    def __init__(self) -> None:
        self.lines = 0
        self.truncated = 0
        self.counts: Counter[str] = Counter()

    def report(self, failures: int, out: TextIO) -> None:
        """Write the counts (never values) as ``name<TAB>count`` lines."""
        print(f"lines\t{self.lines}", file=out)
        print(f"failures\t{failures}", file=out)
        if self.truncated:
            print(f"truncated\t{self.truncated}", file=out)
        for entity, count in sorted(self.counts.items()):
            print(f"{entity}\t{count}", file=out)


def _line_batches(
    source: BinaryIO, batch_size: int, max_line: int, run: ScrubRun
) -> Iterator[tuple[list[str], bool, int | None]]:
    """Yield ``(lines, last_is_unterminated, cut)`` as soon as complete lines are read.

    Lines exclude their ``\\n``. Reads at most one chunk ahead, so a slow
    producer (``tail -f``) sees output as its lines arrive. ``cut`` is set when
    ``lines[0]`` was truncated: the character offset where it is to be cut (it
    holds up to ``_CUT_MARGIN`` more bytes, to be scanned, not output).
    """
    read = getattr(source, "read1", source.read)
    pending = b""
    skipping = False  # inside an over-long line, discarding until its end
    cut_at: int | None = None  # where the truncated line in pending is cut
    while True:
        chunk = read(_READ_SIZE)
        if not chunk:
            break
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                continue
            chunk = chunk[cut:]  # the "\n" ends the truncated line (already in pending)
            skipping = False
        data = pending + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > max_line:
                cut_at = len(data[:max_line].decode("utf-8", "replace"))
                pending = data[: max_line + _CUT_MARGIN]
                skipping = True
                run.truncated += 1
            else:
                pending = data
            continue
        complete = data[:cut].decode("utf-8", "replace").split("\n")
        first_cut, cut_at = cut_at, None
        pending = data[cut + 1 :]
        if len(pending) > max_line:
            cut_at = len(pending[:max_line].decode("utf-8", "replace"))
            pending = pending[: max_line + _CUT_MARGIN]
            skipping = True
            run.truncated += 1
        for start in range(0, len(complete), batch_size):
            yield complete[start : start + batch_size], False, first_cut if start == 0 else None
    if pending:
        yield [pending.decode("utf-8", "replace")], True, cut_at


def _scrub_truncated(engine: Scrubber, line: str, cut: int, counts: Counter[str]) -> str:
    """Scrub the first ``cut`` characters of ``line``, and all of a value the cut splits."""
    try:
        for finding in engine.find(line):
            if finding.start < cut < finding.end:
                cut = finding.end
        return engine.scrub_text(line[:cut], counts) + _TRUNCATED
    except Exception:
        from scrubber import FAILED_PLACEHOLDER

        engine.stats.add_failure()
        return FAILED_PLACEHOLDER + _TRUNCATED


def _dump_like(obj: Any, original: str) -> str:
    compact = '": ' not in original and '", ' not in original
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(obj, ensure_ascii=False, separators=separators)


def _scrub_json(engine: Scrubber, line: str, counts: Counter[str]) -> str | None:
    """Scrub a line that is a JSON object or array; ``None`` when it is not JSON."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(obj, dict):
        return _dump_like(engine.scrub_mapping(obj, counts), line)
    if isinstance(obj, list):
        return _dump_like(engine.scrub_value(obj, None, counts), line)
    return None


def _scrub_batch(
    engine: Scrubber, lines: list[str], counts: Counter[str], cut: int | None = None
) -> list[str]:
    """Scrub one batch in order: JSON lines as JSON, the others through scrub_texts.

    ``cut`` is where ``lines[0]``, a truncated line, is cut (see ``_line_batches``).
    """
    out: list[str] = [""] * len(lines)
    text_at: list[int] = []
    texts: list[str] = []
    for i, raw in enumerate(lines):
        if i == 0 and cut is not None:
            out[0] = _scrub_truncated(engine, raw, cut, counts)
            continue
        line = raw[:-1] if raw.endswith("\r") else raw
        first = line[:1]
        if first.isspace():  # lstrip() copies the line: only where it starts blank
            first = line.lstrip()[:1]
        scrubbed: str | None = None
        if first == "{" or first == "[":
            try:
                scrubbed = _scrub_json(engine, line, counts)
            except Exception:
                scrubbed = None  # scrubbed as text below, which fails closed itself
        if scrubbed is not None:
            out[i] = scrubbed
        elif line:
            text_at.append(i)
            texts.append(line)
    if texts:
        for i, scrubbed in zip(text_at, engine.scrub_texts(texts, counts), strict=True):
            out[i] = scrubbed
    for i, raw in enumerate(lines):
        line = out[i]
        if "\n" in line:
            line = line.replace("\n", " ")
        out[i] = line + "\r" if raw.endswith("\r") else line
    return out


def scrub_stream(
    engine: Scrubber,
    sources: Iterable[BinaryIO],
    sink: BinaryIO,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    run: ScrubRun | None = None,
    ends_output: bool = True,
) -> ScrubRun:
    """Scrub every line of ``sources`` (in turn) to ``sink``, one line out per line in.

    A last line without ``\\n`` keeps having none, unless more output follows
    (another source, or ``ends_output=False``): lines of two inputs never merge.

    Args:
        engine: the scrubbing engine.
        sources: binary streams, read to their end one after the other.
        sink: a binary stream; written and flushed once per batch.
        batch_size: lines per ``scrub_texts`` call.
        max_line_bytes: a longer line is cut there and marked as truncated.
        run: counters to add to (a new one when ``None``).
        ends_output: whether nothing is written to ``sink`` after these sources.

    Returns:
        The run's counters.
    """
    run = run if run is not None else ScrubRun()
    queue = list(sources)
    for index, source in enumerate(queue):
        last = ends_output and index == len(queue) - 1
        for lines, unterminated, cut in _line_batches(source, batch_size, max_line_bytes, run):
            try:
                scrubbed = _scrub_batch(engine, lines, run.counts, cut)
            except Exception:
                from scrubber import FAILED_PLACEHOLDER

                engine.stats.add_failure()
                scrubbed = [FAILED_PLACEHOLDER] * len(lines)
            run.lines += len(lines)
            text = "\n".join(scrubbed)
            if not (unterminated and last):
                text += "\n"
            sink.write(text.encode("utf-8", "backslashreplace"))
            sink.flush()
    return run


def _run(args: argparse.Namespace) -> int:
    """Run ``logward scrub`` with parsed arguments; returns the exit status."""
    names: list[str] = list(args.files) or ["-"]
    for name in names:
        # Regular files, named pipes and process substitution (``<(cmd)``) are all fine.
        if name != "-" and (not Path(name).exists() or Path(name).is_dir()):
            raise ConfigError(f"cannot read input file {name!r}: not a readable file")
    if args.rules is not None and not args.rules.is_dir():
        raise ConfigError(f"--rules {str(args.rules)!r} is not a directory")

    import scrubber

    for path in args.presidio_recognizers:
        if not path.is_file():
            raise ConfigError(f"--presidio-recognizers {str(path)!r} is not a readable file")
    engine = scrubber.load_scrubber(
        args.rules,
        ner=args.ner,
        ner_model=args.ner_model,
        presidio_recognizers=args.presidio_recognizers,
    )
    if not engine.detectors:
        # A mistyped --rules must not silently pass every line through unscrubbed.
        raise ConfigError(f"no PII rules found under --rules {str(args.rules)!r}")
    failures_before = engine.stats.failures
    run = ScrubRun()
    stdout = sys.stdout.buffer
    options: dict[str, Any] = {
        "batch_size": args.batch_size,
        "max_line_bytes": args.max_line_bytes,
        "run": run,
    }
    try:
        for index, name in enumerate(names):
            options["ends_output"] = index == len(names) - 1
            if name == "-":
                scrub_stream(engine, [sys.stdin.buffer], stdout, **options)
            else:
                try:
                    source = Path(name).open("rb")  # noqa: SIM115 - closed below
                except OSError as exc:
                    raise ConfigError(
                        f"cannot read input file {name!r}: {exc.strerror or type(exc).__name__}"
                    ) from None
                with source:
                    scrub_stream(engine, [source], stdout, **options)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, with no flush error at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        if args.stats:
            run.report(engine.stats.failures - failures_before, sys.stderr)
    return 0
