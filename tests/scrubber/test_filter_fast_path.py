"""ScrubbingFilter's cached fast path leaves every record as its full path does."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

import scrubber
from scrubber import Scrubber, ScrubbingFilter

# Set from the clock or per instance: they differ between any two records.
_VOLATILE = {"created", "msecs", "relativeCreated", "args"}

MakeRecord = Callable[[], logging.LogRecord]


@pytest.fixture(scope="module")
def shipped() -> Scrubber:
    """One engine from the shipped rules for the module."""
    return scrubber.load_scrubber()


def _record(msg: Any, args: Any = (), name: str = "app.fast", **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, "p.py", 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def _with_exc_info() -> logging.LogRecord:
    try:
        raise ValueError("card 4111 1111 1111 1111 of bob@example.com")
    except ValueError:
        record = logging.LogRecord(
            "app.fast", logging.ERROR, "p.py", 1, "failed", (), sys.exc_info()
        )
    return record


def _with_stack() -> logging.LogRecord:
    record = _record("stack")
    record.stack_info = 'File "x.py", line 1, in bob@example.com'
    return record


def _with_message() -> logging.LogRecord:
    record = _record("mail bob@example.com")
    record.message = "mail bob@example.com"
    return record


def _with_thread_name() -> logging.LogRecord:
    record = _record("worker up")
    record.threadName = "worker bob@example.com"
    return record


CASES: dict[str, MakeRecord] = {
    "constant": lambda: _record("mail bob@example.com"),
    "constant clean": lambda: _record("cache warmed"),
    "args": lambda: _record("to %s from %s", ("bob@example.com", "10.0.0.1")),
    "one dict arg": lambda: _record("user %(u)s", ({"u": "bob@example.com"},)),
    "bad args": lambda: _record("to %d", ("bob@example.com",)),
    "non-str msg": lambda: _record(4111111111111111),
    "dict msg": lambda: _record({"email": "bob@example.com", "n": 1}),
    "extra": lambda: _record(
        "paid",
        order_id=1234567,
        amount=12.5,
        customer={"email": "bob@example.com", "tier": "gold"},
        tags=["bob@example.com", 3],
    ),
    "extra pii key": lambda: _record("paid", **{"bob@example.com": "x", "card4111": "1"}),
    "exc_info": _with_exc_info,
    "stack_info": _with_stack,
    "message attribute": _with_message,
    "pii logger name": lambda: _record("hello", name="bob@example.com"),
    "pii thread name": _with_thread_name,
}


def _comparable(record: logging.LogRecord) -> dict[str, Any]:
    attrs = {k: v for k, v in vars(record).items() if k not in _VOLATILE}
    exc_info = attrs.get("exc_info")
    if exc_info:
        attrs["exc_info"] = (exc_info[0].__name__, str(exc_info[1]))
    attrs["keys in order"] = list(vars(record))
    return attrs


@pytest.mark.parametrize("case", sorted(CASES))
def test_cached_record_equals_uncached_record(shipped, case):
    """The second record through one filter (caches warm) equals one through a fresh filter."""
    make = CASES[case]
    warm = ScrubbingFilter(shipped)
    assert warm.filter(make())
    cached = make()
    assert warm.filter(cached)
    fresh = make()
    assert ScrubbingFilter(shipped).filter(fresh)
    assert _comparable(fresh) == _comparable(cached)
    assert "bob@example.com" not in str(_comparable(cached))


def test_cached_message_on_a_pii_logger_name_still_scrubs_the_name(shipped):
    """A message cached on a clean logger is served on another logger with its name scrubbed."""
    record_filter = ScrubbingFilter(shipped)
    record_filter.filter(_record("hello"))
    record = _record("hello", name="bob@example.com")
    record_filter.filter(record)
    assert ("hello", "<EMAIL_ADDRESS>") == (record.msg, record.name)


def test_cached_message_in_a_pii_named_thread_still_scrubs_the_name(shipped):
    """A message cached in a clean thread, logged from a thread named with PII, scrubs it."""
    record_filter = ScrubbingFilter(shipped)
    record_filter.filter(_record("hello"))
    seen: list[logging.LogRecord] = []

    def log() -> None:
        record = _record("hello")
        record_filter.filter(record)
        seen.append(record)

    thread = threading.Thread(target=log, name="for bob@example.com")
    thread.start()
    thread.join()
    assert "for <EMAIL_ADDRESS>" == seen[0].threadName


def test_cached_message_with_a_late_exception_or_extra_is_scrubbed(shipped):
    """A cached constant message with exc_text, stack_info or extras gets them scrubbed."""
    record_filter = ScrubbingFilter(shipped)
    record_filter.filter(_record("hello"))
    record = _record("hello", user="bob@example.com")
    record.exc_text = "ValueError: bob@example.com"
    record.stack_info = "in bob@example.com"
    record_filter.filter(record)
    assert ("<EMAIL_ADDRESS>", "ValueError: <EMAIL_ADDRESS>", "in <EMAIL_ADDRESS>") == (
        record.__dict__["user"],
        record.exc_text,
        record.stack_info,
    )


class _EarlyAttrRecord(logging.LogRecord):
    """Sets an attribute before the standard ones (a custom record factory)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.tenant = "bob@example.com"
        super().__init__(*args, **kwargs)


def test_extra_set_before_the_standard_attributes_is_scrubbed(shipped):
    """An attribute a record subclass sets first (out of the usual order) is still scrubbed."""
    record_filter = ScrubbingFilter(shipped)
    for _ in range(2):
        record = _EarlyAttrRecord("app", logging.INFO, "p.py", 1, "hello", (), None)
        record.__dict__["user"] = "bob@example.com"
        record_filter.filter(record)
        assert ("<EMAIL_ADDRESS>", "<EMAIL_ADDRESS>") == (record.tenant, record.__dict__["user"])


def test_unhashable_names_are_scrubbed_not_dropped(shipped):
    """A record whose name attributes cannot be hashed takes the full path and passes."""
    record_filter = ScrubbingFilter(shipped)
    record_filter.filter(_record("hello"))
    record = _record("hello")
    record.__dict__["processName"] = ["bob@example.com"]
    assert record_filter.filter(record)
    assert "hello" == record.msg


@pytest.mark.parametrize(
    ("first", "second"),
    [(-2, -1), (0.0, -0.0), (2.0**60, 0.5), (1, 2**61)],
)
def test_numbers_with_equal_hashes_are_not_served_each_others_result(shipped, first, second):
    """Two extra dicts differing only in numbers with equal hash() keep their own values."""
    assert hash(first) == hash(second)
    record_filter = ScrubbingFilter(shipped)
    seen = []
    for number in (first, second):
        record = _record("hello", ctx={"n": number})
        record_filter.filter(record)
        seen.append(repr(record.__dict__["ctx"]["n"]))
    assert [repr(first), repr(second)] == seen


class _CountingScrubber(Scrubber):
    """No detectors; counts the texts it is asked to scrub."""

    def __init__(self) -> None:
        super().__init__([])
        self.asked: list[str] = []

    def scrub_text_counted(self, text: str) -> tuple[str, Any]:
        self.asked.append(text)
        return super().scrub_text_counted(text)


def test_message_in_use_stays_cached_across_cache_turnovers():
    """A message logged between many distinct ones goes to the engine once, others once each."""
    engine = _CountingScrubber()
    record_filter = ScrubbingFilter(engine, cache_size=4)
    for n in range(20):
        for msg in ("hot", f"cold {n}"):
            record = _record(msg)
            record_filter.filter(record)
            assert msg == record.msg
    assert 1 == engine.asked.count("hot")
    assert 21 == len(engine.asked)


@pytest.mark.parametrize("deleted", ["funcName", "processName", "lineno"])
def test_an_extra_is_scrubbed_when_a_standard_attribute_was_deleted(shipped, deleted):
    """A record that lost a standard attribute and gained an extra has the usual
    number of attributes: the extra is still scrubbed, cached message or not."""
    flt = ScrubbingFilter(shipped)
    for _ in range(2):  # the second record's message comes from the cache
        record = _record("payment processed")
        del record.__dict__[deleted]
        record.__dict__["customer"] = "bob@example.com"
        assert flt.filter(record)
        assert "<EMAIL_ADDRESS>" == record.__dict__["customer"]
