"""The structlog adapter: a processor that scrubs every value of the event dict.

Place it after ``format_exc_info``/``dict_tracebacks`` (so that the rendered
``exception`` strings and traceback ``locals`` are scrubbed) and before the
renderer::

    structlog.configure(processors=[
        structlog.processors.add_log_level,
        structlog.processors.dict_tracebacks,
        scrubber.StructlogScrubber(),
        structlog.processors.JSONRenderer(),
    ])

It also works in ``structlog.stdlib.ProcessorFormatter(foreign_pre_chain=[...])``
for records from the standard library, and placed before ``format_exc_info``
(an ``exc_info`` entry becomes a scrubbed surrogate exception).

structlog itself is never imported: a processor is a plain callable.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import MutableMapping
from typing import Any

import scrubber as package  # resolved at call time: get_default_scrubber may be replaced
from scrubber._adapt import put_unique, safe_key
from scrubber._engine import FAILED_PLACEHOLDER, Scrubber
from scrubber._surrogate import surrogate_exc_info

__all__ = ["StructlogScrubber", "scrub_processor"]

# Entries ProcessorFormatter adds for its own use (removed before rendering).
_PASSTHROUGH = frozenset({"_record", "_from_structlog"})
_CLEAN_KEYS_LIMIT = 4096


def _exc_info(engine: Scrubber, value: Any) -> Any:
    """Turn a structlog ``exc_info`` entry into a scrubbed surrogate triple."""
    if value is True:
        value = sys.exc_info()
    elif isinstance(value, BaseException):
        value = (type(value), value, value.__traceback__)
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return surrogate_exc_info(engine, value)
    if value is None or value is False or value == (None, None, None):
        return value
    return engine.scrub_value(value, "exc_info")


class StructlogScrubber:
    """A structlog processor: ``(logger, method_name, event_dict) -> event_dict``.

    Args:
        scrubber: the engine; ``None`` means ``get_default_scrubber()`` (or
            ``load_scrubber`` with the options below), resolved at the first event.
        rules_dir: a rules directory for ``load_scrubber``.
        ner: turn on the NER tier.
        ner_model: the spaCy model package name or path for the NER tier.
    """

    def __init__(
        self,
        scrubber: Scrubber | None = None,
        *,
        rules_dir: str | os.PathLike[str] | None = None,
        ner: bool = False,
        ner_model: str | None = None,
    ) -> None:
        self._scrubber = scrubber
        self._rules_dir = rules_dir
        self._ner = ner
        self._ner_model = ner_model
        self._lock = threading.Lock()
        self._clean_keys: set[str] = set()

    @property
    def scrubber(self) -> Scrubber:
        """The engine, loaded on first use."""
        if self._scrubber is None:
            with self._lock:
                if self._scrubber is None:
                    if self._rules_dir is None and not self._ner and self._ner_model is None:
                        self._scrubber = package.get_default_scrubber()
                    else:
                        self._scrubber = package.load_scrubber(
                            self._rules_dir, ner=self._ner, ner_model=self._ner_model
                        )
        return self._scrubber

    def __call__(
        self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """Scrub every value of ``event_dict`` recursively; never raises.

        Args:
            logger: the wrapped logger (unused).
            method_name: the log method name (unused).
            event_dict: the event; a new dict is returned.

        Returns:
            The scrubbed event dict; on any internal error every value (but
            ProcessorFormatter's own entries) is ``FAILED_PLACEHOLDER``.
        """
        engine: Scrubber | None = None
        try:
            engine = self.scrubber
            out: dict[str, Any] = {}
            for key, value in event_dict.items():
                if key in _PASSTHROUGH:
                    out[key] = value
                elif key == "exc_info":
                    out[key] = _exc_info(engine, value)
                else:
                    name = str(key)
                    scrubbed = engine.scrub_value(value, name)
                    if not safe_key(name) and name not in self._clean_keys:
                        # A key may hold PII too (``log.info("seen", **{email: 1})``).
                        new_name = str(next(iter(engine.scrub_mapping({name: None}))))
                        if new_name != name:
                            put_unique(out, new_name, scrubbed)
                            continue
                        with self._lock:
                            if len(self._clean_keys) >= _CLEAN_KEYS_LIMIT:
                                self._clean_keys.clear()
                            self._clean_keys.add(name)
                    out[name] = scrubbed
            return out
        except Exception:
            if engine is not None:
                engine.stats.add_failure()
            failed: dict[str, Any] = {}
            for k, v in event_dict.items():
                if k in _PASSTHROUGH:
                    failed[k] = v
                elif safe_key(k):
                    failed[k] = FAILED_PLACEHOLDER
                else:  # the key itself may be PII
                    put_unique(failed, "scrub_failed", FAILED_PLACEHOLDER)
            return failed


def scrub_processor(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The structlog processor over the default engine (see :class:`StructlogScrubber`)."""
    return _default(logger, method_name, event_dict)


_default = StructlogScrubber()
