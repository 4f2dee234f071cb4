"""ScrubbingFilter: every path by which a LogRecord can carry PII."""

from __future__ import annotations

import io
import json
import logging
import re
import traceback
from collections.abc import Iterable

import ecs_logging
import pytest

from detectors import Finding
from scrubber import FAILED_PLACEHOLDER, Scrubber, ScrubbingFilter

EMAIL = "jane.doe@example.com"
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class EmailDetector:
    """A tiny pattern detector standing in for the shipped rules."""

    name = "fake-email"

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, text: str) -> Iterable[Finding]:
        self.calls += 1
        return [
            Finding("EMAIL_ADDRESS", m.start(), m.end(), 1.0, self.name)
            for m in _EMAIL_RE.finditer(text)
        ]


class ExplodingDetector:
    """A detector that raises on every text."""

    name = "boom"

    def detect(self, text: str) -> Iterable[Finding]:
        raise RuntimeError(f"cannot handle {text}")


class BrokenScrubber(Scrubber):
    """An engine whose scrub_text raises (the engine never should; the filter must cope)."""

    def scrub_text(self, text, counts=None):
        raise RuntimeError(f"broken on {text}")


@pytest.fixture
def detector() -> EmailDetector:
    """The fake email detector (it counts its calls)."""
    return EmailDetector()


@pytest.fixture
def engine(detector: EmailDetector) -> Scrubber:
    """An engine over the fake email detector."""
    return Scrubber([detector])


def make_logger(name: str, handler: logging.Handler) -> logging.Logger:
    """A logger that sends everything to ``handler`` only."""
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


def stream_handler(engine: Scrubber | None, fmt: str = "%(levelname)s %(message)s"):
    """A StreamHandler to a StringIO, with a ScrubbingFilter over ``engine`` if given."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(fmt))
    if engine is not None:
        handler.addFilter(ScrubbingFilter(engine))
    return handler, out


def test_message_with_args_is_formatted_then_scrubbed(engine):
    """msg % args is scrubbed as one text and args are cleared."""
    handler, out = stream_handler(engine)
    make_logger("t.args", handler).info("shipped to %s <%s>", "Jane", EMAIL)
    assert "INFO shipped to Jane <<EMAIL_ADDRESS>>\n" == out.getvalue()


def test_args_are_cleared_on_the_record(engine):
    """After the filter the record holds the scrubbed text and no args."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", (EMAIL,), None)
    assert ScrubbingFilter(engine).filter(record)
    assert ("to <EMAIL_ADDRESS>", ()) == (record.msg, tuple(record.args or ()))
    assert "to <EMAIL_ADDRESS>" == record.getMessage()


def test_pii_spanning_format_string_and_args_is_found(engine):
    """An address split between the format string and an argument is still removed."""
    handler, out = stream_handler(engine)
    make_logger("t.split", handler).info("mail jane.doe@%s", "example.com")
    assert EMAIL not in out.getvalue()
    assert "<EMAIL_ADDRESS>" in out.getvalue()


def test_non_string_args_and_messages(engine):
    """Objects whose str() carries PII are scrubbed, as are non-str messages."""

    class User:
        def __str__(self) -> str:
            return f"User({EMAIL})"

    handler, out = stream_handler(engine)
    logger = make_logger("t.objects", handler)
    logger.info("user %s id %d", User(), 42)
    logger.info(User())
    assert "INFO user User(<EMAIL_ADDRESS>) id 42\nINFO User(<EMAIL_ADDRESS>)\n" == out.getvalue()


def test_dict_message_stays_a_dict(engine):
    """A mapping used as the message stays a mapping (structlog's wrap_for_formatter)."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, {"to": EMAIL}, (), None)
    ScrubbingFilter(engine).filter(record)
    assert {"to": "<EMAIL_ADDRESS>"} == record.msg


def test_percent_error_never_raises_nor_leaks(engine, capsys):
    """A bad format string neither raises, nor lets handleError print the raw args."""
    handler, out = stream_handler(engine)
    make_logger("t.percent", handler).info("user %s %s", EMAIL)
    text = out.getvalue()
    assert EMAIL not in text
    assert "message formatting failed (TypeError)" in text
    assert "<EMAIL_ADDRESS>" in text
    assert "" == capsys.readouterr().err


def test_extra_attributes_nested_are_scrubbed(engine):
    """Every extra attribute is scrubbed, nested dicts and lists included."""
    handler, out = stream_handler(engine, "%(message)s|%(contact)s|%(ctx)s")
    extra = {"contact": EMAIL, "ctx": {"emails": [EMAIL, {"cc": EMAIL}], "n": 3}}
    make_logger("t.extra", handler).info("hello", extra=extra)
    expected = (
        "hello|<EMAIL_ADDRESS>|{'emails': ['<EMAIL_ADDRESS>', {'cc': '<EMAIL_ADDRESS>'}], 'n': 3}\n"
    )
    assert expected == out.getvalue()


def test_extras_read_by_a_json_formatter_are_scrubbed(engine):
    """ecs-logging copies every extra into its JSON: none of them carries PII."""
    handler, out = stream_handler(engine)
    handler.setFormatter(ecs_logging.StdlibFormatter())
    make_logger("t.ecs", handler).info("hi %s", EMAIL, extra={"user": {"email": EMAIL}})
    doc = json.loads(out.getvalue())
    assert "hi <EMAIL_ADDRESS>" == doc["message"]
    assert {"email": "<EMAIL_ADDRESS>"} == doc["user"]
    assert EMAIL not in out.getvalue()


def raise_with_pii() -> None:
    """Raise a chained exception whose messages and notes carry PII."""
    try:
        raise KeyError(EMAIL)
    except KeyError as cause:
        error = ValueError(f"no account for {EMAIL}")
        error.add_note(f"looked up {EMAIL}")
        raise error from cause


def test_exc_info_read_by_ecs_formatter_is_scrubbed(engine):
    """A formatter reading exc_info directly sees a surrogate with scrubbed texts."""
    handler, out = stream_handler(engine)
    handler.setFormatter(ecs_logging.StdlibFormatter())
    logger = make_logger("t.ecs.exc", handler)
    try:
        raise_with_pii()
    except ValueError:
        logger.exception("lookup failed")
    doc = json.loads(out.getvalue())
    assert EMAIL not in out.getvalue()
    assert "ValueError" == doc["error"]["type"]
    assert "no account for <EMAIL_ADDRESS>" == doc["error"]["message"]
    assert "raise_with_pii" in doc["error"]["stack_trace"]


def test_exc_info_formatted_traceback_is_scrubbed(engine):
    """logging.Formatter prints the whole chain, notes included, with PII removed."""
    handler, out = stream_handler(engine)
    logger = make_logger("t.exc", handler)
    try:
        raise_with_pii()
    except ValueError:
        logger.exception("lookup failed")
    text = out.getvalue()
    assert EMAIL not in text
    assert "KeyError: '<EMAIL_ADDRESS>'" in text
    assert "ValueError: no account for <EMAIL_ADDRESS>" in text
    assert "looked up <EMAIL_ADDRESS>" in text
    assert "The above exception was the direct cause" in text


def test_surrogate_keeps_type_name_and_traceback(engine):
    """The surrogate exception reads like the original: same name, same frames."""
    try:
        raise_with_pii()
    except ValueError as exc:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "m", (), (ValueError, exc, exc.__traceback__)
        )
    ScrubbingFilter(engine).filter(record)
    assert record.exc_info is not None
    surrogate = record.exc_info[1]
    assert surrogate is not None
    assert ("ValueError", "no account for <EMAIL_ADDRESS>") == (
        type(surrogate).__name__,
        str(surrogate),
    )
    assert "'<EMAIL_ADDRESS>'" == str(surrogate.__cause__)
    assert record.exc_info[2] is not None


def test_exc_text_set_by_an_earlier_formatter_is_scrubbed(engine):
    """A raw exc_text cached on the record by another handler is scrubbed too."""
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "m", (), None)
    record.exc_text = f"Traceback...\nValueError: {EMAIL}"
    ScrubbingFilter(engine).filter(record)
    assert "Traceback...\nValueError: <EMAIL_ADDRESS>" == record.exc_text


def test_stack_info_is_scrubbed(engine):
    """stack_info text is scrubbed."""
    handler, out = stream_handler(engine)
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "m", (), None, sinfo=f"Stack: {EMAIL}"
    )
    handler.handle(record)
    assert "INFO m\nStack: <EMAIL_ADDRESS>\n" == out.getvalue()


def test_formatted_message_attribute_is_replaced(engine):
    """A ``message`` already computed by an unfiltered handler is overwritten."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", (EMAIL,), None)
    logging.Formatter().format(record)
    ScrubbingFilter(engine).filter(record)
    assert "to <EMAIL_ADDRESS>" == record.message


def test_detector_that_raises_fails_closed(capsys):
    """A failing detector turns the message into the placeholder; the call never raises."""
    engine = Scrubber([ExplodingDetector()])
    handler, out = stream_handler(engine)
    make_logger("t.boom", handler).warning("to %s", EMAIL)
    assert f"WARNING {FAILED_PLACEHOLDER}\n" == out.getvalue()
    assert 1 <= engine.stats.failures
    assert EMAIL not in capsys.readouterr().err


def test_broken_engine_blanks_the_whole_record(capsys):
    """If the engine itself raises, every PII-carrying field is blanked and counted."""
    engine = BrokenScrubber([])
    handler, out = stream_handler(engine, "%(message)s|%(user)s")
    logger = make_logger("t.broken", handler)
    try:
        raise ValueError(EMAIL)
    except ValueError:
        logger.exception("to %s", EMAIL, extra={"user": EMAIL}, stack_info=True)
    assert f"{FAILED_PLACEHOLDER}|{FAILED_PLACEHOLDER}\n" == out.getvalue()
    assert 1 == engine.stats.failures
    assert EMAIL not in capsys.readouterr().err


def test_engine_that_logs_while_scrubbing_does_not_loop(engine):
    """A detector that logs through a filtered logger cannot recurse forever."""
    handler, out = stream_handler(engine)
    logger = make_logger("t.reentrant", handler)

    class LoggingDetector(EmailDetector):
        def detect(self, text):
            logger.info("inner %s", text)
            return super().detect(text)

    handler.filters[:] = [ScrubbingFilter(Scrubber([LoggingDetector()]))]
    logger.info("outer %s", EMAIL)
    assert f"INFO {FAILED_PLACEHOLDER}\nINFO outer <EMAIL_ADDRESS>\n" == out.getvalue()


def test_record_through_two_handlers_is_scrubbed_once(engine, detector):
    """Idempotent: a second handler sharing the engine does not scrub again."""
    first, out1 = stream_handler(engine)
    second, out2 = stream_handler(None)
    second.addFilter(ScrubbingFilter(engine))
    logger = make_logger("t.twice", first)
    logger.addHandler(second)
    logger.info("to %s", EMAIL)
    assert (1, "INFO to <EMAIL_ADDRESS>\n") == (detector.calls, out1.getvalue())
    assert out1.getvalue() == out2.getvalue()


def test_marker_adds_no_attribute_to_the_record(engine):
    """Idempotency leaves no trace a JSON formatter would print."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", (EMAIL,), None)
    before = set(vars(record))
    ScrubbingFilter(engine).filter(record)
    assert before == set(vars(record))


def test_record_scrubbed_by_another_engine_is_scrubbed_again(engine):
    """The marker is per engine: a second, different engine still scrubs the record."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", ("id 42",), None)

    class IdDetector(EmailDetector):
        def detect(self, text):
            return [Finding("ID", m.start(), m.end(), 1.0, "id") for m in re.finditer(r"\d+", text)]

    ScrubbingFilter(engine).filter(record)
    ScrubbingFilter(Scrubber([IdDetector()])).filter(record)
    assert "id <ID>" == record.getMessage()


def test_repeated_messages_are_cached_but_counted(engine, detector):
    """A repeated message is scrubbed once, yet every redaction is counted."""
    handler, out = stream_handler(engine)
    logger = make_logger("t.cache", handler)
    for _ in range(3):
        logger.info("to %s", EMAIL)
    assert 1 == detector.calls
    assert {"EMAIL_ADDRESS": 3} == engine.stats.snapshot()
    assert 3 * "INFO to <EMAIL_ADDRESS>\n" == out.getvalue()


def test_repeated_extras_are_cached_but_counted_and_not_shared(engine, detector):
    """Repeated extra values are scrubbed once, counted each time, and never shared."""
    handler, out = stream_handler(engine, "%(message)s %(customer)s")
    logger = make_logger("t.cache.extra", handler)
    records: list[logging.LogRecord] = []

    def keep(record: logging.LogRecord) -> bool:
        records.append(record)
        return True

    handler.addFilter(keep)
    calls = []
    for _ in range(3):
        logger.info("paid", extra={"customer": {"email": EMAIL, "tier": 1}})
        calls.append(detector.calls)
    assert calls[0] == calls[2]
    assert {"EMAIL_ADDRESS": 3} == engine.stats.snapshot()
    assert 3 * "paid {'email': '<EMAIL_ADDRESS>', 'tier': 1}\n" == out.getvalue()
    assert records[0].customer is not records[1].customer  # type: ignore[attr-defined]


def test_default_engine_is_resolved_lazily(monkeypatch, engine):
    """Constructing the filter loads nothing; the first record loads the default engine."""
    import scrubber

    calls = []

    def fake_default():
        calls.append(1)
        return engine

    monkeypatch.setattr(scrubber, "get_default_scrubber", fake_default)
    handler, out = stream_handler(None)
    handler.addFilter(ScrubbingFilter())
    assert [] == calls
    make_logger("t.lazy", handler).info("to %s", EMAIL)
    assert ([1], "INFO to <EMAIL_ADDRESS>\n") == (calls, out.getvalue())


def test_filter_with_a_name_only_scrubs_and_passes_its_loggers(engine):
    """``name`` keeps logging.Filter's meaning: other loggers' records are rejected."""
    flt = ScrubbingFilter(engine, name="app")
    mine = logging.LogRecord("app.db", logging.INFO, __file__, 1, EMAIL, (), None)
    other = logging.LogRecord("lib", logging.INFO, __file__, 1, EMAIL, (), None)
    assert (True, False) == (bool(flt.filter(mine)), bool(flt.filter(other)))
    assert "<EMAIL_ADDRESS>" == mine.msg


def test_exception_groups_and_syntax_errors_are_scrubbed(engine):
    """Sub-exceptions of a group and the source text of a SyntaxError are scrubbed."""
    handler, out = stream_handler(engine)
    logger = make_logger("t.groups", handler)
    try:
        raise ExceptionGroup(f"many for {EMAIL}", [ValueError(EMAIL), KeyError(EMAIL)])
    except ExceptionGroup:
        logger.exception("group")
    try:
        compile(f'x = "{EMAIL}" +', "input", "exec")
    except SyntaxError:
        logger.exception("syntax")
    text = out.getvalue()
    assert EMAIL not in text
    assert "ExceptionGroup: many for <EMAIL_ADDRESS> (2 sub-exceptions)" in text
    assert "KeyError: '<EMAIL_ADDRESS>'" in text
    assert 'x = "<EMAIL_ADDRESS>" +' in text


def test_exception_group_read_by_ecs_formatter_is_scrubbed(engine):
    """ecs-logging's error.message for a group carries the scrubbed sub-exceptions."""
    handler, out = stream_handler(engine)
    handler.setFormatter(ecs_logging.StdlibFormatter())
    try:
        raise ExceptionGroup("many", [ValueError(EMAIL)])
    except ExceptionGroup:
        make_logger("t.groups.ecs", handler).exception("group")
    doc = json.loads(out.getvalue())
    assert EMAIL not in out.getvalue()
    assert "ValueError: <EMAIL_ADDRESS>" in doc["error"]["message"]


def test_exception_whose_str_raises_is_logged(engine):
    """An exception whose __str__ raises still logs, with a fixed description."""

    class Weird(Exception):
        def __str__(self) -> str:
            raise RuntimeError(EMAIL)

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "m", (), None)
    try:
        raise Weird
    except Weird as exc:
        record.exc_info = (Weird, exc, exc.__traceback__)
    ScrubbingFilter(engine).filter(record)
    assert record.exc_info is not None
    assert "<exception str() failed: Weird>" == str(record.exc_info[1])


def test_extra_attribute_names_holding_pii_are_scrubbed(engine):
    """An ``extra`` key that is PII is renamed: JSON formatters print attribute names."""
    handler, out = stream_handler(engine)
    handler.setFormatter(ecs_logging.StdlibFormatter())
    make_logger("t.extra_key", handler).info("hi", extra={EMAIL: "seen", "n": 1})
    doc = json.loads(out.getvalue())
    assert "seen" == doc["<EMAIL_ADDRESS>"]
    assert 1 == doc["n"]
    assert EMAIL not in out.getvalue()


def test_broken_engine_drops_extra_names_that_may_be_pii():
    """If the engine raises, an ``extra`` key that is not a plain identifier is dropped."""
    engine = BrokenScrubber([])
    handler = ListHandler()
    handler.addFilter(ScrubbingFilter(engine))
    make_logger("t.broken_key", handler).info("hi", extra={EMAIL: 1, "user": 2})
    (record,) = handler.records
    assert EMAIL not in vars(record)
    assert FAILED_PLACEHOLDER == vars(record)["user"]
    assert FAILED_PLACEHOLDER == vars(record)["scrub_failed"]


class ListHandler(logging.Handler):
    """A handler that keeps the records it emits."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_surrogate_traceback_has_no_frame_variables(engine):
    """Formatters printing frame locals see none: the surrogate's frames are stand-ins."""
    try:
        raise_with_pii()
    except ValueError as exc:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "m", (), (ValueError, exc, exc.__traceback__)
        )
        original = traceback.extract_tb(exc.__traceback__)
    ScrubbingFilter(engine).filter(record)
    assert record.exc_info is not None
    tb = record.exc_info[2]
    assert [(f.filename, f.lineno, f.name) for f in original] == [
        (f.filename, f.lineno, f.name) for f in traceback.extract_tb(tb)
    ]
    while tb is not None:
        assert ({}, {}, None) == (tb.tb_frame.f_locals, tb.tb_frame.f_globals, tb.tb_frame.f_back)
        tb = tb.tb_next
