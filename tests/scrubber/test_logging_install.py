"""install(), ScrubbingHandler, get_logger, dictConfig, QueueHandler, lastResort."""

from __future__ import annotations

import gc
import io
import logging
import logging.config
import logging.handlers
import queue
import threading

import pytest

import scrubber
from logward_base.errors import ConfigError
from scrubber import Scrubber, ScrubbingFilter, ScrubbingHandler
from tests.scrubber.test_logging_filter import EMAIL, EmailDetector, make_logger, stream_handler


@pytest.fixture
def engine() -> Scrubber:
    """An engine over the fake email detector."""
    return Scrubber([EmailDetector()])


@pytest.fixture
def root_output():
    """The root logger with one StringIO handler only (conftest restores logging)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    return out


def scrubbing_filters(filterer: logging.Filterer) -> list[logging.Filter]:
    """The ScrubbingFilters attached to a handler or logger."""
    return [f for f in filterer.filters if isinstance(f, ScrubbingFilter)]


def test_install_scrubs_root_handlers(engine, root_output):
    """install() makes every root handler scrub records from any logger."""
    scrubber.install(engine)
    logging.getLogger("orders").info("shipped to %s <%s>", "Jane", EMAIL)
    assert "orders shipped to Jane <<EMAIL_ADDRESS>>\n" == root_output.getvalue()


def test_install_is_idempotent(engine, root_output):
    """Calling install() twice adds no second filter anywhere."""
    scrubber.install(engine)
    scrubber.install(engine)
    scrubber.install()
    assert logging.lastResort is not None
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        assert 1 == len(scrubbing_filters(handler))


def test_install_on_a_named_logger(engine):
    """install(logger=...) covers that logger's handlers."""
    handler, out = stream_handler(None)
    make_logger("t.named", handler)
    scrubber.install(engine, logger="t.named")
    logging.getLogger("t.named").warning("to %s", EMAIL)
    assert "WARNING to <EMAIL_ADDRESS>\n" == out.getvalue()


def test_last_resort_is_scrubbed(engine, capsys):
    """With no handler configured, logging.lastResort prints scrubbed text."""
    logging.getLogger().handlers[:] = []
    scrubber.install(engine)
    logging.getLogger("t.lastresort").warning("to %s", EMAIL)
    assert "to <EMAIL_ADDRESS>\n" == capsys.readouterr().err


def test_logger_filter_misses_child_records_handler_filter_does_not(engine):
    """A filter on a logger never sees records propagated from its children (why
    install() attaches to handlers); a filter on the handler sees them all."""
    handler, out = stream_handler(None)
    parent = make_logger("t.parent", handler)
    parent.addFilter(ScrubbingFilter(engine))
    logging.getLogger("t.parent.child").info("to %s", EMAIL)
    assert f"INFO to {EMAIL}\n" == out.getvalue()

    handler.addFilter(ScrubbingFilter(engine))
    logging.getLogger("t.parent.child").info("to %s", EMAIL)
    assert f"INFO to {EMAIL}\nINFO to <EMAIL_ADDRESS>\n" == out.getvalue()


def test_queue_handler_and_listener_end_to_end(engine):
    """QueueHandler.prepare() formats in the caller's thread: the queue holds scrubbed text."""
    q: queue.Queue[logging.LogRecord] = queue.Queue()
    queue_handler = logging.handlers.QueueHandler(q)
    queue_handler.addFilter(ScrubbingFilter(engine))
    target, out = stream_handler(None)
    listener = logging.handlers.QueueListener(q, target)
    logger = make_logger("t.queue", queue_handler)
    listener.start()
    try:
        logger.info("to %s", EMAIL, extra={"who": EMAIL})
        try:
            raise ValueError(EMAIL)
        except ValueError:
            logger.exception("failed")
    finally:
        listener.stop()
    text = out.getvalue()
    assert EMAIL not in text
    assert text.startswith("INFO to <EMAIL_ADDRESS>\nERROR failed\nTraceback")
    assert "ValueError: <EMAIL_ADDRESS>" in text


def test_queued_record_carries_no_raw_fields(engine):
    """What travels through the queue has scrubbed msg and extras and no exc_info."""
    q: queue.Queue[logging.LogRecord] = queue.Queue()
    queue_handler = logging.handlers.QueueHandler(q)
    queue_handler.addFilter(ScrubbingFilter(engine))
    make_logger("t.queue.raw", queue_handler).info("to %s", EMAIL, extra={"who": [EMAIL]})
    record = q.get_nowait()
    assert ("to <EMAIL_ADDRESS>", ["<EMAIL_ADDRESS>"], None) == (
        record.msg,
        record.who,  # type: ignore[attr-defined]
        record.exc_info,
    )


def test_dictconfig_filter_with_kwargs(engine):
    """dictConfig builds the filter through "()" and passes options as kwargs."""
    out = io.StringIO()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"scrub": {"()": "scrubber.ScrubbingFilter", "scrubber": engine}},
            "formatters": {"plain": {"format": "%(levelname)s %(message)s"}},
            "handlers": {
                "mem": {
                    "class": "logging.StreamHandler",
                    "stream": out,
                    "formatter": "plain",
                    "filters": ["scrub"],
                }
            },
            "loggers": {"t.dict": {"handlers": ["mem"], "level": "INFO", "propagate": False}},
        }
    )
    logging.getLogger("t.dict").info("to %s", EMAIL)
    assert "INFO to <EMAIL_ADDRESS>\n" == out.getvalue()


def test_dictconfig_filter_options_reach_load_scrubber(monkeypatch, engine, tmp_path):
    """rules_dir/ner/ner_model given in dictConfig are passed to load_scrubber."""
    seen = []

    def fake_load(rules_dir=None, *, ner=False, ner_model=None):
        seen.append((rules_dir, ner, ner_model))
        return engine

    monkeypatch.setattr(scrubber, "load_scrubber", fake_load)
    flt = {"()": "scrubber.ScrubbingFilter", "rules_dir": str(tmp_path), "ner": True}
    out = io.StringIO()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"scrub": flt},
            "handlers": {
                "mem": {"class": "logging.StreamHandler", "stream": out, "filters": ["scrub"]}
            },
            "loggers": {"t.dictopts": {"handlers": ["mem"], "level": "INFO", "propagate": False}},
        }
    )
    logging.getLogger("t.dictopts").info("to %s", EMAIL)
    assert ([(str(tmp_path), True, None)], "to <EMAIL_ADDRESS>\n") == (seen, out.getvalue())


def test_scrubbing_handler_wraps_a_target(engine):
    """ScrubbingHandler scrubs, then hands the record to the target handler."""
    target, out = stream_handler(None)
    make_logger("t.wrap", ScrubbingHandler(target, engine)).info("to %s", EMAIL)
    assert "INFO to <EMAIL_ADDRESS>\n" == out.getvalue()


def test_scrubbing_handler_respects_target_level(engine):
    """The target's level still applies behind the wrapper."""
    target, out = stream_handler(None)
    target.setLevel(logging.WARNING)
    logger = make_logger("t.wrap.level", ScrubbingHandler(target, engine))
    logger.info("quiet %s", EMAIL)
    logger.warning("loud %s", EMAIL)
    assert "WARNING loud <EMAIL_ADDRESS>\n" == out.getvalue()


def test_scrubbing_handler_in_dictconfig_by_target_name(engine):
    """In dictConfig the wrapper names its target, even one configured after it."""
    out = io.StringIO()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(levelname)s %(message)s"}},
            "handlers": {
                "a_scrubbed": {
                    "()": "scrubber.ScrubbingHandler",
                    "target": "z_console",
                    "scrubber": engine,
                },
                "z_console": {
                    "class": "logging.StreamHandler",
                    "stream": out,
                    "formatter": "plain",
                },
            },
            "loggers": {
                "t.dicth": {"handlers": ["a_scrubbed"], "level": "INFO", "propagate": False}
            },
        }
    )
    gc.collect()  # the target is attached to no logger: logging holds it only weakly
    logging.getLogger("t.dicth").info("to %s", EMAIL)
    assert "INFO to <EMAIL_ADDRESS>\n" == out.getvalue()


def test_get_logger_scrubs_whatever_the_handlers(root_output):
    """logward's internal loggers scrub before any (unfiltered) handler sees the record."""
    logger = scrubber.get_logger("logward.test_internal")
    assert logger is scrubber.get_logger("logward.test_internal")
    assert 1 == len(scrubbing_filters(logger))
    logger.info("to %s", EMAIL)
    assert "logward.test_internal to <EMAIL_ADDRESS>\n" == root_output.getvalue()


def test_concurrent_logging_is_all_scrubbed(engine, root_output):
    """Records logged from many threads at once are all scrubbed, none lost."""
    import threading

    scrubber.install(engine)
    logger = logging.getLogger("t.threads")

    def work(n: int) -> None:
        for i in range(200):
            logger.info("user%d.%d@example.com done", n, i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = root_output.getvalue().splitlines()
    assert 1600 == len(lines)
    assert {"t.threads <EMAIL_ADDRESS> done"} == set(lines)


def test_scrubbing_handler_with_unknown_target_drops_quietly(engine, capsys):
    """A named target that was never configured drops the record and says so on stderr."""
    handler = ScrubbingHandler("no-such-handler", engine)
    make_logger("t.wrap.missing", handler).warning("to %s", EMAIL)
    err = capsys.readouterr().err
    assert "ScrubbingHandler target 'no-such-handler' not found" in err
    assert EMAIL not in err


def test_install_scrubs_logger_and_thread_names(engine, root_output):
    """A logger or thread named after a person's address is printed scrubbed.

    (The fake detector reads the dotted logger name as one address.)
    """
    root_output_handler = logging.getLogger().handlers[0]
    root_output_handler.setFormatter(logging.Formatter("%(name)s|%(threadName)s|%(message)s"))
    scrubber.install(engine)
    thread = threading.Thread(
        target=lambda: logging.getLogger(f"session.{EMAIL}").info("opened"), name=f"worker {EMAIL}"
    )
    thread.start()
    thread.join()
    logging.getLogger("probe.names.plain").info("plain")
    assert (
        "<EMAIL_ADDRESS>|worker <EMAIL_ADDRESS>|opened\nprobe.names.plain|MainThread|plain\n"
        == root_output.getvalue()
    )


def test_handler_error_report_is_scrubbed(engine, root_output, capsys, monkeypatch):
    """A handler failing inside ``except`` prints its traceback scrubbed (context included)."""
    monkeypatch.setattr(logging.Handler, "handleError", logging.Handler.handleError)
    logging.getLogger().handlers[0].setFormatter(logging.Formatter("%(message)s %(missing)s"))
    scrubber.install(engine)
    try:
        raise LookupError(f"no account for {EMAIL}")
    except LookupError:
        logging.getLogger("x").exception("lookup failed for %s", EMAIL)
    err = capsys.readouterr().err
    assert "--- Logging error ---" in err
    assert "LookupError: no account for <EMAIL_ADDRESS>" in err
    assert EMAIL not in err


def test_unknown_scrubbing_handler_options_are_a_config_error(engine):
    """An option ScrubbingHandler does not know (a dictConfig typo) is a ConfigError naming it."""
    with pytest.raises(ConfigError, match=r"unknown ScrubbingHandler options: \['rule_dir'\]"):
        ScrubbingHandler(logging.NullHandler(), rule_dir="x")
