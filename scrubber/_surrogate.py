"""Scrubbed stand-ins for exceptions in log records and structlog events.

Formatters such as ecs-logging read ``exc_info`` directly (``str(exc)``,
``type(exc).__name__``, the traceback frames), so the adapters replace the
exception by a *surrogate*: same type name, but its message, notes and chained
causes are scrubbed. Its traceback frames (code locations, never runtime
values) are kept for debugging. Other values are left to the engine's
``scrub_value``.
"""

from __future__ import annotations

import threading
import traceback
import weakref
from types import TracebackType
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
    new.__traceback__ = exc.__traceback__
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
    return (type(surrogate), surrogate, exc_info[2])


def format_exc_info(exc_info: ExcInfo) -> str:
    """Format ``exc_info`` the way :meth:`logging.Formatter.formatException` does."""
    text = "".join(traceback.format_exception(exc_info[0], exc_info[1], exc_info[2]))
    return text.removesuffix("\n")
