"""The structlog processor: event values, exceptions, traceback locals, foreign records."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from scrubber import FAILED_PLACEHOLDER, Scrubber, StructlogScrubber
from tests.scrubber.test_logging_filter import EMAIL, BrokenScrubber, EmailDetector

MAIL_EVENT = f"mail to {EMAIL}"  # structlog events are plain strings, not %-templates


@pytest.fixture
def engine() -> Scrubber:
    """An engine over the fake email detector."""
    return Scrubber([EmailDetector()])


def render(processors, emit) -> str:
    """Run ``emit(logger)`` through a structlog pipeline; return what was printed."""
    out = io.StringIO()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(out), processors=processors, cache_logger_on_first_use=False
    )
    emit(logger)
    return out.getvalue()


def fail_with_pii() -> None:
    """Raise with PII in a local variable and in the message."""
    customer_email = EMAIL  # noqa: F841 - shown by dict_tracebacks' locals
    raise ValueError(f"no account for {EMAIL}")


def test_every_value_is_scrubbed_recursively(engine):
    """Strings anywhere in the event dict, nested too, are scrubbed; others are kept."""
    processors = [StructlogScrubber(engine), structlog.processors.JSONRenderer()]
    text = render(
        processors,
        lambda log: log.info(MAIL_EVENT, to=[EMAIL], meta={"cc": EMAIL, "n": 2}),
    )
    assert {
        "event": "mail to <EMAIL_ADDRESS>",
        "to": ["<EMAIL_ADDRESS>"],
        "meta": {"cc": "<EMAIL_ADDRESS>", "n": 2},
    } == json.loads(text)


def test_exception_string_from_format_exc_info_is_scrubbed(engine):
    """Placed after format_exc_info, the rendered traceback string is scrubbed."""
    processors = [
        structlog.processors.format_exc_info,
        StructlogScrubber(engine),
        structlog.processors.JSONRenderer(),
    ]

    def emit(log):
        try:
            fail_with_pii()
        except ValueError:
            log.exception("failed")

    doc = json.loads(render(processors, emit))
    assert "ValueError: no account for <EMAIL_ADDRESS>" in doc["exception"]
    assert EMAIL not in doc["exception"]


def test_dict_tracebacks_locals_are_scrubbed(engine):
    """After dict_tracebacks, exc_value and every frame's locals are scrubbed."""
    processors = [
        structlog.processors.dict_tracebacks,
        StructlogScrubber(engine),
        structlog.processors.JSONRenderer(),
    ]

    def emit(log):
        try:
            fail_with_pii()
        except ValueError:
            log.exception("failed")

    text = render(processors, emit)
    doc = json.loads(text)
    assert EMAIL not in text
    (exc,) = doc["exception"]
    assert "no account for <EMAIL_ADDRESS>" == exc["exc_value"]
    frame = next(f for f in exc["frames"] if f["name"] == "fail_with_pii")
    assert "'<EMAIL_ADDRESS>'" == frame["locals"]["customer_email"]


def test_exc_info_before_format_exc_info_becomes_a_scrubbed_surrogate(engine):
    """Placed before format_exc_info, exc_info is replaced by a scrubbed surrogate."""
    processors = [
        StructlogScrubber(engine),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]

    def emit(log):
        try:
            fail_with_pii()
        except ValueError as exc:
            log.error("failed", exc_info=exc)

    doc = json.loads(render(processors, emit))
    assert "ValueError: no account for <EMAIL_ADDRESS>" in doc["exception"]
    assert EMAIL not in doc["exception"]


def test_foreign_pre_chain_scrubs_stdlib_records(engine):
    """In ProcessorFormatter.foreign_pre_chain it scrubs records from plain logging."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.processors.format_exc_info,
                StructlogScrubber(engine),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    logger = logging.getLogger("t.foreign")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.info("to %s", EMAIL)
    try:
        fail_with_pii()
    except ValueError:
        logger.exception("failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert {"event": "to <EMAIL_ADDRESS>", "level": "info"} == first
    assert "ValueError: no account for <EMAIL_ADDRESS>" in second["exception"]
    assert EMAIL not in out.getvalue()


def test_structlog_through_stdlib_processor_formatter(engine):
    """structlog events rendered by ProcessorFormatter are scrubbed by the processor."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                StructlogScrubber(engine),
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    std = logging.getLogger("t.wrapped")
    std.handlers[:] = [handler]
    std.propagate = False
    std.setLevel(logging.INFO)
    log = structlog.wrap_logger(
        std,
        processors=[structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    log.info("signup", email=EMAIL)
    assert {"event": "signup", "email": "<EMAIL_ADDRESS>"} == json.loads(out.getvalue())


def test_processor_fails_closed_per_value():
    """A value the engine cannot scrub becomes the placeholder; the call never raises."""
    processor = StructlogScrubber(BrokenScrubber([]))
    result = processor(None, "info", {"event": EMAIL, "n": 1, "_record": None})
    assert {"event": FAILED_PLACEHOLDER, "n": 1, "_record": None} == result


def test_processor_fails_closed_as_a_whole():
    """If the engine itself raises, every value but ProcessorFormatter's own is replaced."""

    class Raising(Scrubber):
        def scrub_value(self, value, key=None, counts=None):
            raise RuntimeError(value)

    engine = Raising([])
    result = StructlogScrubber(engine)(None, "info", {"event": EMAIL, "n": 1, "_record": None})
    assert {"event": FAILED_PLACEHOLDER, "n": FAILED_PLACEHOLDER, "_record": None} == result
    assert 1 == engine.stats.failures


def test_default_engine_is_resolved_lazily(monkeypatch, engine):
    """Constructing the processor loads nothing; the first event loads the default engine."""
    import scrubber

    calls = []

    def fake_default():
        calls.append(1)
        return engine

    monkeypatch.setattr(scrubber, "get_default_scrubber", fake_default)
    processor = StructlogScrubber()
    assert [] == calls
    assert {"event": "<EMAIL_ADDRESS>"} == processor(None, "info", {"event": EMAIL})
    assert [1] == calls


def test_keys_holding_pii_are_scrubbed(engine):
    """An event key that is PII is scrubbed like ``scrub_mapping`` keys; others stay."""
    result = StructlogScrubber(engine)(None, "info", {"event": "seen", EMAIL: 1, "n": 2})
    assert {"event": "seen", "<EMAIL_ADDRESS>": 1, "n": 2} == result


def test_failing_closed_drops_keys_that_may_be_pii():
    """If the engine raises, a key that is not a plain identifier is not kept either."""

    class Raising(Scrubber):
        def scrub_value(self, value, key=None, counts=None):
            raise RuntimeError(value)

    result = StructlogScrubber(Raising([]))(None, "info", {"event": "e", EMAIL: 1})
    assert {"event": FAILED_PLACEHOLDER, "scrub_failed": FAILED_PLACEHOLDER} == result


def test_dict_tracebacks_after_the_processor_show_no_locals(engine):
    """Placed before dict_tracebacks, the surrogate's frames carry no raw locals."""
    processors = [
        StructlogScrubber(engine),
        structlog.processors.dict_tracebacks,
        structlog.processors.JSONRenderer(),
    ]

    def emit(log):
        try:
            fail_with_pii()
        except ValueError:
            log.exception("failed")

    text = render(processors, emit)
    (exc,) = json.loads(text)["exception"]
    assert EMAIL not in text
    frame = next(f for f in exc["frames"] if f["name"] == "fail_with_pii")
    assert {} == frame["locals"]
