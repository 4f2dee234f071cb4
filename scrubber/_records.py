"""What the logging filter knows about ``LogRecord``s: their standard attributes,
the marker of a scrubbed record, and the fail-closed blanking of one."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from mypy_extensions import mypyc_attr

from scrubber._adapt import put_unique, safe_key
from scrubber._engine import FAILED_PLACEHOLDER, Scrubber

__all__ = [
    "CLEAN_NAMES_LIMIT",
    "FRESH_KEYS",
    "FRESH_LEN",
    "NAME_ATTRS",
    "NAME_MAY_HOLD_PII",
    "NOT_EXTRA",
    "PASSTHROUGH",
    "SAFE_KEYS",
    "SAFE_KEYS_LIMIT",
    "STANDARD_ATTRS",
    "ScrubbedArgs",
    "blank_record",
    "filter_state",
    "is_safe_key",
    "mark_for",
]

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
# Set by structlog's ``wrap_for_formatter``/ProcessorFormatter: objects, not payload.
PASSTHROUGH = frozenset({"_logger", "_record", "_from_structlog"})
# Record attributes a formatter may print that code, not logward, names: a logger
# named after a user, a thread named after a card or request. Scrubbed as text.
NAME_ATTRS = ("name", "threadName", "processName", "taskName")
# Only names with one of these can hold PII worth a scan ("MainThread",
# "uvicorn.error", "ThreadPoolExecutor-0_1" cannot): an address, spaces, digits.
NAME_MAY_HOLD_PII = re.compile(r"[@\s%=:/+]|\d\d\d").search

NOT_EXTRA = STANDARD_ATTRS | PASSTHROUGH
# A fresh record has exactly these attributes, in this order (``LogRecord.__init__``
# sets them): more means extras (or a cached message), which ``makeRecord`` adds after.
FRESH_KEYS = list(vars(logging.LogRecord("", 0, "", 0, "", (), None)))
FRESH_LEN = len(FRESH_KEYS)
# Tuples of (logger, thread, process, task) names known to need no scrubbing.
CLEAN_NAMES_LIMIT = 1024


@mypyc_attr(native_class=False)  # a tuple subclass: a plain Python class when compiled
class ScrubbedArgs(tuple):  # type: ignore[type-arg]
    """The empty ``args`` of a record already scrubbed by one engine.

    Marking ``args`` (which the filter clears anyway) keeps the record's
    attributes unchanged: JSON formatters print every extra attribute.
    """

    __slots__ = ()


_marks: dict[int, ScrubbedArgs] = {}
_marks_lock = threading.Lock()


def mark_for(engine: Scrubber) -> ScrubbedArgs:
    """One marker per engine, shared by every filter over that engine."""
    with _marks_lock:
        mark = _marks.get(id(engine))
        if mark is None:
            if len(_marks) >= 1024:
                _marks.clear()
            mark = _marks[id(engine)] = ScrubbedArgs()
        return mark


filter_state = threading.local()


def blank_record(record: logging.LogRecord) -> None:
    """Replace every field that can carry PII by the fixed placeholder."""
    record.msg = FAILED_PLACEHOLDER
    record.args = None
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    attrs = record.__dict__
    if "message" in attrs:
        attrs["message"] = FAILED_PLACEHOLDER
    for key in attrs.keys() - NOT_EXTRA:
        if safe_key(key):
            attrs[key] = FAILED_PLACEHOLDER
        else:  # the key itself may be PII (an email, a card number): it goes too
            del attrs[key]
            put_unique(attrs, "scrub_failed", FAILED_PLACEHOLDER)


# Extra attribute names repeat on every record: safe ones are remembered (a
# bounded set; only names safe_key keeps as they are, so no PII is held).
SAFE_KEYS: set[str] = set()
SAFE_KEYS_LIMIT = 1024


def is_safe_key(key: Any) -> bool:
    if key in SAFE_KEYS:
        return True
    if not safe_key(key):
        return False
    if len(SAFE_KEYS) >= SAFE_KEYS_LIMIT:
        SAFE_KEYS.clear()  # a set's add and clear are atomic: threads need no lock
    SAFE_KEYS.add(key)
    return True
