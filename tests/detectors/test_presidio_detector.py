"""Presidio recognizers run inside logward (``type: presidio`` rules, the CLI, the API)."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import scrubber
from detectors import Finding, PresidioDetector
from logward_base.errors import RuleError

HERE = Path(__file__).with_name("presidio")
EMPLOYEE = HERE / "recognizers" / "employee.yaml"
RULES = HERE / "rules"
LOGWARD = Path(sys.executable).with_name("logward")
RAISING = "tests.detectors.presidio.raising:RaisingRecognizer"


@pytest.fixture(scope="module")
def engine():
    """The shipped rules plus the team's Presidio recognizers."""
    return scrubber.load_scrubber(presidio_recognizers=[EMPLOYEE])


def test_yaml_recognizer_redacts_with_its_context_word(engine):
    """A weak pattern (0.3) with its context word nearby reaches the threshold and is redacted."""
    assert "employee <EMPLOYEE_ID> signed in" == engine.scrub_text("employee EMP-123456 signed in")


def test_yaml_recognizer_without_context_stays_below_threshold(engine):
    """The same id with no context word keeps Presidio's weak score and is left alone."""
    assert "badge EMP-123456 scanned" == engine.scrub_text("badge EMP-123456 scanned")


def test_deny_list_recognizer_and_counts(engine):
    """A deny-list recognizer redacts its words; counts name the Presidio entity."""
    counts: Counter[str] = Counter()
    out = engine.scrub_text("project Nightjar shipped to bob@example.com", counts)
    assert "project <CODENAME> shipped to <EMAIL_ADDRESS>" == out
    assert 1 == counts["CODENAME"]


def test_other_languages_recognizers_are_not_loaded(engine):
    """Only recognizers of the configured language load (the German ZIP one does not)."""
    assert "order 12345 paid" == engine.scrub_text("order 12345 paid")


def test_presidio_findings_go_through_overlap_resolution(engine):
    """A Presidio span inside a logward finding of higher score does not split it."""
    out = engine.scrub_text("mail employee.EMP-123456@example.com now")
    assert "mail <EMAIL_ADDRESS> now" == out


def test_presidio_rule_file_in_extra_rules():
    """A ``type: presidio`` rule in a rules directory loads its recognizer file."""
    engine = scrubber.load_scrubber(extra_rules=[RULES])
    assert "employee <EMPLOYEE_ID>" == engine.scrub_text("employee EMP-654321")


def test_install_uses_presidio_recognizers(caplog):
    """Through ``scrubber.install()`` a log record's message is scrubbed by the recognizer."""
    logger = logging.getLogger("test.presidio.install")
    logger.propagate = False
    handler = logging.StreamHandler(stream := __import__("io").StringIO())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    scrubber.install(scrubber.load_scrubber(extra_rules=[RULES]), logger=logger)
    logger.info("employee %s logged in", "EMP-111222")
    assert "employee <EMPLOYEE_ID> logged in\n" == stream.getvalue()


def test_cli_presidio_recognizers_option(tmp_path):
    """``logward scrub --presidio-recognizers FILE`` redacts the recognizer's entity."""
    proc = subprocess.run(
        [str(LOGWARD), "scrub", "--presidio-recognizers", str(EMPLOYEE)],
        input="employee EMP-123456 ok\nplain line\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert 0 == proc.returncode, proc.stderr
    assert ["employee <EMPLOYEE_ID> ok", "plain line"] == proc.stdout.splitlines()


def test_cli_missing_recognizer_file_is_usage_error(tmp_path):
    """A recognizer file that does not exist is exit 2 naming it."""
    missing = tmp_path / "nope.yaml"
    proc = subprocess.run(
        [str(LOGWARD), "scrub", "--presidio-recognizers", str(missing)],
        input="x\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert 2 == proc.returncode
    assert str(missing) in proc.stderr


@pytest.mark.parametrize(
    ("name", "recognizer"),
    [("bad_regex.yaml", "Broken one"), ("no_patterns.yaml", "Empty one")],
)
def test_bad_recognizer_file_names_file_and_recognizer(name, recognizer):
    """A recognizer that cannot be built fails at load, naming the file and the recognizer."""
    path = HERE / "recognizers" / name
    with pytest.raises(RuleError) as info:
        scrubber.load_scrubber(presidio_recognizers=[path])
    assert str(path) == info.value.file
    assert recognizer == info.value.rule


def test_invalid_yaml_and_missing_list_are_rule_errors(tmp_path):
    """Broken YAML, or no ``recognizers`` list, is a RuleError naming the file."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("recognizers: [\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("other: 1\n")
    for path in (broken, empty):
        with pytest.raises(RuleError) as info:
            scrubber.load_scrubber(presidio_recognizers=[path])
        assert str(path) == info.value.file


def test_presidio_rule_fields_are_strict(tmp_path):
    """Unknown fields and missing recognizer files in a presidio rule name file, rule, field."""
    rule = tmp_path / "r.yaml"
    rule.write_text("name: r\ntype: presidio\nrecognizers: [gone.yaml]\n")
    with pytest.raises(RuleError) as info:
        scrubber.load_scrubber(extra_rules=[rule])
    assert ("r", "recognizers[0]") == (info.value.rule, info.value.field)
    rule.write_text(f"name: r\ntype: presidio\nrecognizers: [{EMPLOYEE}]\nscore: 1\n")
    with pytest.raises(RuleError) as info:
        scrubber.load_scrubber(extra_rules=[rule])
    assert "score" == info.value.field


def test_class_recognizer_by_import_path_and_bad_paths(tmp_path):
    """Classes load by import path; a bad path fails at load naming it."""
    rule = tmp_path / "r.yaml"
    rule.write_text(f"name: badges\ntype: presidio\nclasses: [{RAISING}]\n")
    engine = scrubber.load_scrubber(extra_rules=[rule])
    assert "id <BADGE> in" == engine.scrub_text("id BADGE-1234 in")
    for path in ("tests.detectors.presidio.raising:Nope", "no such thing", "logging:Logger"):
        rule.write_text(f"name: badges\ntype: presidio\nclasses: ['{path}']\n")
        with pytest.raises(RuleError) as info:
            scrubber.load_scrubber(extra_rules=[rule])
        assert path == info.value.file


def test_recognizer_that_raises_fails_closed(tmp_path):
    """A recognizer raising on a line makes that line <SCRUB_FAILED>, never the raw text."""
    rule = tmp_path / "r.yaml"
    rule.write_text(f"name: badges\ntype: presidio\nclasses: [{RAISING}]\n")
    engine = scrubber.load_scrubber(extra_rules=[rule])
    failures = engine.stats.failures
    assert "<SCRUB_FAILED>" == engine.scrub_text("boom: card 4111 1111 1111 1111")
    assert failures + 1 == engine.stats.failures
    assert "fine <EMAIL_ADDRESS>" == engine.scrub_text("fine bob@example.com")


def test_structlog_processor_uses_presidio_recognizers():
    """The structlog processor over the same engine redacts the recognizer's entity."""
    engine = scrubber.load_scrubber(extra_rules=[RULES])
    processor = scrubber.StructlogScrubber(engine)
    event = processor(
        None, "info", {"event": "employee EMP-222333 badge", "who": "employee EMP-222333"}
    )
    assert "employee <EMPLOYEE_ID> badge" == event["event"]
    assert "EMP-222333" not in str(event)


def test_lines_without_a_recognizer_literal_never_reach_presidio():
    """The recognizers' regexes all need a literal ("EMP-", a deny-listed word):
    the scrubber's gate calls them only on lines holding one, any case."""
    engine = scrubber.load_scrubber(presidio_recognizers=[EMPLOYEE])
    (detector,) = [d for d in engine.detectors if isinstance(d, PresidioDetector)]
    assert ("blueb", "emp-", "ghtjar") == detector.literals
    seen: list[str] = []
    original = detector.detect

    def spy(text: str) -> list[Finding]:
        seen.append(text)
        return original(text)

    detector.detect = spy  # type: ignore[method-assign]
    assert "order 12345 paid by bob" == engine.scrub_text("order 12345 paid by bob")
    assert [] == seen
    assert "project <CODENAME> done" == engine.scrub_text("project NIGHTJAR done")
    assert ["project NIGHTJAR done"] == seen
