"""SpacyNerDetector with the real spaCy model: names, addresses, batches, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import (
    NER_MODEL_ENV,
    BatchDetector,
    SpacyNerDetector,
    load_ner_detector,
    title_case_caps,
)
from logward_base.errors import DetectorError

pytestmark = pytest.mark.ner

LINES = [
    "2024-05-01T10:00:00Z INFO user Bekir Neuschäfer logged in from 10.0.0.1",
    "2024-05-01T10:00:01Z INFO order ORD-1234567 shipped to Thales Teixeira at 12 Wood Street",
    "2024-05-01T10:00:02Z WARNING Yves Bouvet opened ticket 42",
    '{"message": "password reset for Warhi Sengupta", "trace_id": "9e35843a1fdb0b68"}',
    "2024-05-01T10:00:03Z ERROR KeyError: 'user_id' in PaymentService.handle",
    'File "/srv/app/orders.py", line 42, in ship_order',
    "GET /api/v1/orders?id=5 HTTP/1.1 200 Mozilla/5.0 (Windows NT 10.0)",
    'ts=2024-05-01 level=INFO msg="delivery" to="Flat 3, 7 Elm Road, Leeds LS1 4AB"',
]


@pytest.fixture(scope="module")
def ner() -> SpacyNerDetector:
    """One detector (one model load) for the module."""
    return load_ner_detector()


def _found(detector: SpacyNerDetector, text: str) -> list[tuple[str, str]]:
    return [(f.entity, text[f.start : f.end]) for f in detector.detect(text)]


def test_is_a_batch_detector(ner: SpacyNerDetector) -> None:
    """The detector satisfies the BatchDetector protocol the engine batches through."""
    assert isinstance(ner, BatchDetector)
    assert "spacy_ner" == ner.name


@pytest.mark.parametrize(
    ("line", "name"),
    [
        (LINES[0], "Bekir Neuschäfer"),
        (LINES[1], "Thales Teixeira"),
        (LINES[2], "Yves Bouvet"),
        (LINES[3], "Warhi Sengupta"),
        ("2024-05-01 INFO Alexandre Martins and Graeme Bell joined", "Alexandre Martins"),
    ],
)
def test_names_in_log_lines_found(ner: SpacyNerDetector, line: str, name: str) -> None:
    """Names in log sentences, including ones not in the first-name list, are PERSON."""
    assert ("PERSON", name) in _found(ner, line)


def test_addresses_found(ner: SpacyNerDetector) -> None:
    """Street addresses are STREET_ADDRESS, with the town and postcode that follow them."""
    assert ("STREET_ADDRESS", "12 Wood Street") in _found(ner, LINES[1])
    assert ("STREET_ADDRESS", "Flat 3, 7 Elm Road, Leeds LS1 4AB") in _found(ner, LINES[7])


@pytest.mark.parametrize("line", LINES[4:7])
def test_non_names_kept(ner: SpacyNerDetector, line: str) -> None:
    """Log levels, class names, paths, HTTP verbs and user agents are not redacted."""
    assert [] == _found(ner, line)


@pytest.mark.parametrize(
    "line",
    [
        "2024-05-01 INFO OrderService started in 120ms",
        "Traceback (most recent call last): ConnectionResetError in KafkaConsumer.poll",
        "2024-05-01 ERROR payment-svc POST /charge 500 Internal Server Error",
        "2024-05-01 DEBUG Redis PING ok, Postgres pool 5/20, Kafka lag 0",
    ],
)
def test_service_and_class_names_kept(ner: SpacyNerDetector, line: str) -> None:
    """Service names, CamelCase classes and HTTP phrases survive."""
    assert [] == [e for e, _ in _found(ner, line) if e == "PERSON"]


def test_batch_equals_per_item(ner: SpacyNerDetector) -> None:
    """detect_batch returns exactly what detect returns for each text, in order."""
    fresh = SpacyNerDetector(ner.model, cache_size=0, batch_size=3)
    assert [ner.detect(t) for t in LINES] == fresh.detect_batch(LINES)


def test_cache_reuses_model_results(ner: SpacyNerDetector) -> None:
    """A repeated candidate is read by the model once; results stay identical."""
    fresh = SpacyNerDetector(ner.model)
    first = fresh.detect_batch([LINES[2]])
    calls = fresh.model_calls
    again = fresh.detect_batch([LINES[2], LINES[2]])
    assert calls == fresh.model_calls
    assert [first[0], first[0]] == again


def test_prefilter_keeps_recall(ner: SpacyNerDetector) -> None:
    """Lines with only log words skip the model, and that drops no name found by it."""
    fresh = SpacyNerDetector(ner.model, cache_size=0)
    assert [[]] == fresh.detect_batch(["2024-05-01 ERROR Failed Request Timeout GET /health"])
    assert 0 == fresh.model_calls
    spacy_nlp = fresh._load()[0]
    for line in LINES:
        model_people = {e.text for e in spacy_nlp(line).ents if e.label_ == "PERSON"}
        ours = {text for entity, text in _found(fresh, line) if entity == "PERSON"}
        plausible = {p for p in model_people if fresh._load()[1].plausible_person(p)}
        assert set() == {p for p in plausible if not any(p in o or o in p for o in ours)}


def test_lazy_load() -> None:
    """Building the detector loads nothing; the model loads on first detect."""
    detector = load_ner_detector()
    assert detector._nlp is None
    detector.detect("hello")
    assert detector._nlp is not None


def test_model_as_path(ner: SpacyNerDetector) -> None:
    """The model setting may be a directory holding a spaCy model."""
    import importlib

    module = importlib.import_module(str(ner.model))
    assert module.__file__ is not None
    path = Path(module.__file__).parent
    model_dir = next(p for p in path.iterdir() if (p / "config.cfg").exists())
    detector = load_ner_detector(str(model_dir))
    assert ("PERSON", "Bekir Neuschäfer") in _found(detector, LINES[0])


def test_missing_model_is_a_detector_error() -> None:
    """An unknown model setting fails with DetectorError naming the setting."""
    with pytest.raises(DetectorError, match=r"no_such_model_xyz.*ner_model"):
        load_ner_detector("no_such_model_xyz")
    with pytest.raises(DetectorError, match="ner_model"):
        SpacyNerDetector("/nonexistent/model/dir").detect("John Smith")


def test_model_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """$LOGWARD_NER_MODEL is the setting when none is passed."""
    monkeypatch.setenv(NER_MODEL_ENV, "no_such_model_xyz")
    with pytest.raises(DetectorError, match=NER_MODEL_ENV):
        load_ner_detector()


def test_bad_settings_rejected() -> None:
    """Nonsense batch and cache sizes are refused when the detector is built."""
    with pytest.raises(DetectorError, match="batch_size"):
        SpacyNerDetector(batch_size=0)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "GET /p?name=Yves+Bouvet&to=228+Tina+Trail+Apt.+883&q=C++ HTTP/1.1",
            [("PERSON", "Yves+Bouvet"), ("STREET_ADDRESS", "228+Tina+Trail+Apt.+883")],
        ),
        (
            "GET /p?to=12%20Elm%20Road%2C%20Leeds&customer=Tony%20Jones HTTP/1.1",
            [("STREET_ADDRESS", "12%20Elm%20Road%2C%20Leeds"), ("PERSON", "Tony%20Jones")],
        ),
    ],
)
def test_url_encoded_query_values(
    ner: SpacyNerDetector, line: str, expected: list[tuple[str, str]]
) -> None:
    """Names and addresses URL-encoded in query strings are found, offsets in the raw line."""
    assert expected == _found(ner, line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2024-05-01 INFO Yves Bouvet logged in", [("PERSON", "Yves Bouvet")]),
        ("2024-05-01 INFO Amazon Web Services updated to v2", []),
    ],
)
def test_likely_person_unless_model_vetoes(
    ner: SpacyNerDetector, line: str, expected: list[tuple[str, str]]
) -> None:
    """A pair in subject position is a person unless the model calls it an organisation."""
    assert expected == _found(ner, line)


def test_title_case_reading_of_capitals() -> None:
    """A text in capitals is read in Title case, at the same offsets; other texts are not."""
    text = "SOCCER - ROBSON WINS FIRST TROPHY WITH BARCELONA ."
    assert "Soccer - Robson Wins First Trophy With Barcelona ." == title_case_caps(text)
    assert "ERROR db timeout" == title_case_caps("ERROR db timeout")


def test_name_in_capitals_found_headline_words_kept(ner: SpacyNerDetector) -> None:
    """The model reads a headline in Title case; the rules' verdicts stand on the capitals."""
    text = "ALERT: GARETH BUTLER FLAGGED FOR MANUAL REVIEW"
    found = [text[f.start : f.end] for f in ner.detect(text) if f.entity == "PERSON"]
    assert "MANUAL" not in " ".join(found)


def test_lower_case_given_name_shown_to_the_model(ner: SpacyNerDetector) -> None:
    """A known given name written in lower case is capitalised for the model to read."""
    text = "had lunch with jessica today"
    found = [text[f.start : f.end] for f in ner.detect(text) if f.entity == "PERSON"]
    assert ["jessica"] == found
