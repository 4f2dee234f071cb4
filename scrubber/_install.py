"""Ways in for stdlib logging: ``install()``, ``ScrubbingHandler`` and ``get_logger()``.

``install()`` attaches one :class:`ScrubbingFilter` to every handler of the root
logger (or of the logger you name) and to ``logging.lastResort``. Handlers are
the right place: a filter on a logger never sees records propagated from child
loggers. Call it *after* configuring handlers; handlers added later need their
own filter (``handler.addFilter(scrubber.ScrubbingFilter())``) or another call.

``install()`` also replaces ``logging.Handler.handleError`` (once, process-wide)
with a version that scrubs what it prints: when a handler fails inside an
``except`` block, the stdlib prints the failure's traceback to stderr, and its
chained context holds the application's own exception message, unscrubbed.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
from types import FrameType
from typing import Any

from logward_base.errors import ConfigError
from scrubber._engine import Scrubber
from scrubber._filter import ScrubbingFilter

__all__ = ["ScrubbingHandler", "get_logger", "install"]

_lock = threading.Lock()
_default_filter: ScrubbingFilter | None = None
_stdlib_handle_error = logging.Handler.handleError
_error_engine: ScrubbingFilter | None = None
_stderr_lock = threading.Lock()


def _scrubbed_handle_error(self: logging.Handler, record: logging.LogRecord) -> None:
    """``Handler.handleError``, with what it prints scrubbed before it reaches stderr."""
    real = sys.stderr
    if not (logging.raiseExceptions and real):
        return
    captured = io.StringIO()
    with _stderr_lock:
        sys.stderr = captured
        try:
            _stdlib_handle_error(self, record)
        finally:
            sys.stderr = real
    try:
        chosen = _error_engine or _shared_default_filter()
        text = chosen.scrubber.scrub_text(captured.getvalue())
    except Exception:
        text = "--- Logging error ---\n<SCRUB_FAILED>\n"
    with contextlib.suppress(OSError):
        real.write(text)


def _shared_default_filter() -> ScrubbingFilter:
    """One filter over the default engine, shared so that its cache is shared."""
    global _default_filter
    with _lock:
        if _default_filter is None:
            _default_filter = ScrubbingFilter()
        return _default_filter


def _has_scrubbing_filter(filterer: logging.Filterer) -> bool:
    return any(isinstance(f, ScrubbingFilter) for f in filterer.filters)


def install(
    scrubber: Scrubber | None = None, logger: logging.Logger | str | None = None
) -> ScrubbingFilter:
    """Scrub every record that the logger's handlers and ``logging.lastResort`` emit.

    Idempotent: a handler that already has a :class:`ScrubbingFilter` gets no other.

    Args:
        scrubber: the engine; ``None`` means the default engine, loaded lazily.
        logger: a logger or logger name; ``None`` means the root logger.

    Returns:
        The filter that was (or would have been) attached.
    """
    if isinstance(logger, str):
        logger = logging.getLogger(logger)
    target = logger if logger is not None else logging.getLogger()
    chosen = _shared_default_filter() if scrubber is None else ScrubbingFilter(scrubber)
    handlers = list(target.handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    global _error_engine
    with _lock:
        for handler in handlers:
            if not _has_scrubbing_filter(handler):
                handler.addFilter(chosen)
        _error_engine = chosen
        logging.Handler.handleError = _scrubbed_handle_error  # type: ignore[method-assign]
    return chosen


def get_logger(name: str) -> logging.Logger:
    """Return the named logger with a :class:`ScrubbingFilter` on the logger itself.

    For logward's own modules (``get_logger(__name__)``): records logged on this
    logger are scrubbed before any handler sees them, whatever the application's
    logging configuration is.

    Args:
        name: the logger name, e.g. ``"logward.stream"``.

    Returns:
        The logger.
    """
    logger = logging.getLogger(name)
    if not _has_scrubbing_filter(logger):
        shared = _shared_default_filter()
        with _lock:
            if not _has_scrubbing_filter(logger):
                logger.addFilter(shared)
    return logger


class ScrubbingHandler(logging.Handler):
    """A handler that scrubs each record, then hands it to ``target``.

    For configurations that prefer a handler to a filter. ``target``'s own level
    and filters still apply. In ``dictConfig``, ``target`` may be the name of
    another configured handler, in any order. It is looked up at the first
    record, in ``logging``'s registry or else in the ``handlers`` section of the
    dictConfig call that built this handler, which is kept until then: a target
    no logger names is only weakly referenced by ``logging`` and could otherwise
    be collected before the first record::

        "handlers": {
            "console": {"class": "logging.StreamHandler"},
            "scrubbed": {"()": "scrubber.ScrubbingHandler", "target": "console"},
        }

    Args:
        target: the handler to wrap, or the name of a configured handler.
        scrubber: the engine; ``None`` means the default engine, loaded lazily.
        **options: ``rules_dir``, ``ner``, ``ner_model`` as for ScrubbingFilter.
    """

    def __init__(
        self,
        target: logging.Handler | str,
        scrubber: Scrubber | None = None,
        **options: Any,
    ) -> None:
        super().__init__()
        self._target = target
        # The handlers section of the dictConfig call building us, if any: it
        # holds the named target strongly until the first record resolves it.
        self._configured = _dictconfig_handlers() if isinstance(target, str) else None
        self.scrubbing_filter = ScrubbingFilter(scrubber, **_filter_options(options))

    @property
    def target(self) -> logging.Handler | None:
        """The wrapped handler (``None`` while a named target is not configured)."""
        if isinstance(self._target, str):
            found = _handler_by_name(self._target)
            if found is None and self._configured is not None:
                candidate = dict.get(self._configured, self._target)
                found = candidate if isinstance(candidate, logging.Handler) else None
            if found is None:
                return None
            self._configured = None
            if self.formatter is not None:
                found.setFormatter(self.formatter)
            self._target = found
        return self._target

    def handle(self, record: logging.LogRecord) -> bool:
        """Apply this handler's filters, scrub, then pass to the target.

        Returns:
            Whether the record was passed on.
        """
        if not self.filter(record):
            return False
        self.scrubbing_filter.filter(record)
        target = self.target
        if target is None:
            # Nowhere to write: say so without the (already scrubbed) record.
            sys.stderr.write(f"logward: ScrubbingHandler target {self._target!r} not found\n")
            return False
        if record.levelno >= target.level:
            target.handle(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Pass a record to the target (``handle`` is the way in; it scrubs first)."""
        self.handle(record)

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        """Set the target's formatter (this handler formats nothing itself)."""
        super().setFormatter(fmt)
        if not isinstance(self._target, str):
            self._target.setFormatter(fmt)

    def flush(self) -> None:
        """Flush the target."""
        if not isinstance(self._target, str):
            self._target.flush()

    def close(self) -> None:
        """Close the target, then this handler."""
        try:
            if not isinstance(self._target, str):
                self._target.close()
        finally:
            super().close()


def _filter_options(options: dict[str, Any]) -> dict[str, Any]:
    allowed = {"rules_dir", "ner", "ner_model"}
    unknown = set(options) - allowed
    if unknown:
        raise ConfigError(f"unknown ScrubbingHandler options: {sorted(unknown)}")
    rules_dir = options.get("rules_dir")
    if rules_dir is not None:
        options = {**options, "rules_dir": os.fspath(rules_dir)}
    return options


def _dictconfig_handlers() -> dict[str, Any] | None:
    """The ``handlers`` dict of the ``logging.config`` call constructing a handler, if any."""
    frame: FrameType | None = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return None
        if frame.f_globals.get("__name__") == "logging.config" and (
            frame.f_code.co_name == "configure"
        ):
            handlers = frame.f_locals.get("handlers")
            return handlers if isinstance(handlers, dict) else None
        frame = frame.f_back
    return None


def _handler_by_name(name: str) -> logging.Handler | None:
    getter = getattr(logging, "getHandlerByName", None)  # Python 3.12+
    if getter is not None:
        found: logging.Handler | None = getter(name)
        return found
    named: dict[str, logging.Handler] = getattr(logging, "_handlers", {})
    return named.get(name)
