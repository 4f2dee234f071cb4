"""Scrubbed stand-ins for exceptions in log records and structlog events.

Formatters such as ecs-logging read ``exc_info`` directly (``str(exc)``,
``type(exc).__name__``, the traceback frames), so the adapters replace the
exception by a *surrogate*: same type name, but its message, notes and chained
causes are scrubbed. Its traceback keeps the code locations (file, line,
function) for debugging, on stand-in frames without the runtime values:
formatters that print frame locals (structlog's ``dict_tracebacks``, rich)
would print them raw. Other values are left to the engine's
``scrub_value``.
"""

from __future__ import annotations

import threading
import traceback
import weakref
from collections.abc import Iterator
from types import CodeType, FrameType, FunctionType, GeneratorType, TracebackType
from typing import Protocol, TypeAlias

__all__ = ["ExcInfo", "TextScrubber", "format_exc_info", "surrogate_exc_info"]

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]

# Chained causes deeper than this are not followed (cycles end earlier, by identity).
MAX_DEPTH = 64


class TextScrubber(Protocol):
    """The part of :class:`scrubber.Scrubber` the surrogates need."""

    def scrub_text(self, text: str) -> str:
        """Return ``text`` with its PII replaced."""
        ...


class ScrubbedException(Exception):
    """Base of every surrogate: an exception whose every text was scrubbed."""


_surrogate_types: weakref.WeakKeyDictionary[type[BaseException], type[ScrubbedException]] = (
    weakref.WeakKeyDictionary()
)
_types_lock = threading.Lock()


def _surrogate_type(original: type[BaseException]) -> type[ScrubbedException]:
    """Return (and cache) a subclass named like ``original``, so tracebacks read the same."""
    found = _surrogate_types.get(original)
    if found is None:
        with _types_lock:
            found = _surrogate_types.get(original)
            if found is None:
                found = type(
                    original.__name__,
                    (ScrubbedException,),
                    {"__module__": original.__module__, "__qualname__": original.__qualname__},
                )
                _surrogate_types[original] = found
    return found


def _exc_message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<exception str() failed: {type(exc).__name__}>"


def _surrogate(
    scrubber: TextScrubber, exc: BaseException, seen: dict[int, ScrubbedException], depth: int
) -> ScrubbedException:
    done = seen.get(id(exc))
    if done is not None:
        return done
    new = _surrogate_type(type(exc))(scrubber.scrub_text(_exc_message(exc)))
    seen[id(exc)] = new
    new.__traceback__ = locals_free(exc.__traceback__)
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        new.__notes__ = [scrubber.scrub_text(str(n)) for n in notes]
    if depth < MAX_DEPTH:
        if exc.__cause__ is not None:
            new.__cause__ = _surrogate(scrubber, exc.__cause__, seen, depth + 1)
        if exc.__context__ is not None:
            new.__context__ = _surrogate(scrubber, exc.__context__, seen, depth + 1)
        new.__suppress_context__ = exc.__suppress_context__
        if isinstance(exc, BaseExceptionGroup):
            # The sub-exceptions are rendered as part of the message.
            parts = [
                scrubber.scrub_text(format_exc_info(_as_exc_info(sub)))
                for sub in exc.exceptions[:16]
            ]
            new.args = ("\n".join([new.args[0], *parts]),)
    return new


def _as_exc_info(exc: BaseException) -> ExcInfo:
    return (type(exc), exc, exc.__traceback__)


def surrogate_exc_info(scrubber: TextScrubber, exc_info: ExcInfo) -> ExcInfo:
    """Return an ``exc_info`` triple whose exception texts are all scrubbed.

    The surrogate's type has the original's name, module and qualified name; its
    message, ``__notes__``, ``__cause__`` and ``__context__`` (recursively) are
    scrubbed; the traceback object is the original's (frames are code locations).

    Args:
        scrubber: the engine (only ``scrub_text`` is used).
        exc_info: ``(type, value, traceback)`` as in ``LogRecord.exc_info``.

    Returns:
        The surrogate triple.
    """
    surrogate = _surrogate(scrubber, exc_info[1], {}, 0)
    tb = exc_info[2]
    tb = surrogate.__traceback__ if tb is exc_info[1].__traceback__ else locals_free(tb)
    return (type(surrogate), surrogate, tb)


def locals_free(tb: TracebackType | None) -> TracebackType | None:
    """Copy a traceback onto stand-in frames: same files, lines and functions, and
    no variables (a frame's ``f_locals`` and ``f_globals`` can hold any PII).
    """
    entries: list[tuple[FrameType, int]] = []
    while tb is not None and len(entries) < MAX_FRAMES:
        entries.append((_stand_in_frame(tb.tb_frame.f_code), tb.tb_lineno))
        tb = tb.tb_next
    copy: TracebackType | None = None
    for frame, lineno in reversed(entries):
        # tb_lasti -1: no instruction offset, so formatters use tb_lineno.
        copy = TracebackType(copy, frame, -1, lineno)
    return copy


def _stand_in_frame(code: CodeType) -> FrameType:
    """The frame of an empty, unstarted generator located like ``code`` (cached).

    Unstarted, it has no variables and no ``f_back`` (a finished function's frame
    would link to its callers' frames, and so to their variables).
    """
    key = (code.co_filename, code.co_name, code.co_qualname, code.co_firstlineno)
    stand_in = _frames.get(key)
    if stand_in is None:
        relocated = _stand_in.__code__.replace(
            co_filename=code.co_filename,
            co_name=code.co_name,
            co_qualname=code.co_qualname,
            co_firstlineno=code.co_firstlineno,
        )
        stand_in = FunctionType(relocated, {})()
        with _types_lock:
            if len(_frames) >= _MAX_CACHED_FRAMES:
                _frames.clear()
            _frames[key] = stand_in
    frame = stand_in.gi_frame
    if frame is None:  # only a finished generator has none
        raise RuntimeError("stand-in generator has no frame")
    return frame


def _stand_in() -> Iterator[None]:
    """Never run: its code, relocated, gives stand-in frames."""
    yield


# Frames beyond this many are not copied (the innermost are cut, as with a limit).
MAX_FRAMES = 1000
_MAX_CACHED_FRAMES = 4096
_frames: dict[tuple[str, str, str, int], GeneratorType[None, None, None]] = {}


def format_exc_info(exc_info: ExcInfo) -> str:
    """Format ``exc_info`` the way :meth:`logging.Formatter.formatException` does."""
    text = "".join(traceback.format_exception(exc_info[0], exc_info[1], exc_info[2]))
    return text.removesuffix("\n")
