"""The model-free parts of the NER tier: street-address pattern, name rules, prefilter."""

from __future__ import annotations

import pytest

from detectors import NameRules, StreetAddressDetector, first_names, street_suffixes


@pytest.fixture(scope="module")
def address() -> StreetAddressDetector:
    """One address detector for the module."""
    return StreetAddressDetector()


@pytest.fixture(scope="module")
def rules() -> NameRules:
    """Name rules with a few English stop words, as the NER detector builds them."""
    return NameRules(frozenset({"the", "and", "for", "to"}))


def _spans(detector: StreetAddressDetector, text: str) -> list[str]:
    return [text[a:b] for a, b in detector.spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shipped to 221B Baker Street today", "221B Baker Street"),
        ("addr: 17066 Heather Grove Apt. 915 ok", "17066 Heather Grove Apt. 915"),
        ("to Flat 3, 7 Elm Road, Leeds LS1 4AB.", "Flat 3, 7 Elm Road, Leeds LS1 4AB"),
        (
            "Studio 9, Bernard Roads, New Fiona, E84 1DA",
            "Studio 9, Bernard Roads, New Fiona, E84 1DA",
        ),
        (
            "at 228 Tina Trail Apt. 883, Palmershire, MI 60680",
            "228 Tina Trail Apt. 883, Palmershire, MI 60680",
        ),
        ("350 5th Avenue, New York, NY 10118", "350 5th Avenue, New York, NY 10118"),
        ("office at 12 High St. since May", "12 High St."),
    ],
)
def test_street_addresses_found(address: StreetAddressDetector, text: str, expected: str) -> None:
    """UK and US street addresses, with unit, town and postcode, are found whole."""
    assert [expected] == _spans(address, text)


@pytest.mark.parametrize(
    "text",
    [
        "retry 3 of 5 in 200 ms",
        "GET /v1/users/12 Wood Street",
        "order 5 items pending for 30 days",
        "listening on port 8080 Service ready",
        "processed 120 Events in 3 Batches",
    ],
)
def test_non_addresses_kept(address: StreetAddressDetector, text: str) -> None:
    """Numbers followed by words that are not a street are not addresses."""
    assert [] == _spans(address, text)


def test_address_findings_are_typed(address: StreetAddressDetector) -> None:
    """Findings carry the STREET_ADDRESS entity and the detector's name."""
    (finding,) = address.detect("ship to 10 Downing Street")
    assert ("STREET_ADDRESS", 8, 25, "street_address") == (
        finding.entity,
        finding.start,
        finding.end,
        finding.detector,
    )


def test_shipped_lists_load() -> None:
    """The shipped suffix and first-name lists are non-trivial and cleaned of common words."""
    assert {"Street", "St", "Road", "Rd", "Avenue", "Lane", "Close", "Mews"} <= street_suffixes()
    names = first_names()
    assert len(names) > 4000
    assert {"John", "Mary", "Catherine"} <= names
    assert not {"Will", "May", "Max", "Grant"} & names


def _people(rules: NameRules, text: str) -> list[str]:
    return [text[r.start : r.end] for r in rules.runs(text) if r.person]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INFO user Tony Jones logged in", ["Tony Jones"]),
        ("sent to Mr Smith yesterday", ["Mr Smith"]),
        ("Dear Catherine Phillips-Roberts, your order", ["Catherine Phillips-Roberts"]),
        ("customer: Bekir Neuschäfer", ["Bekir Neuschäfer"]),
        ("refund for Lucas Barroso Jara failed", ["Lucas Barroso Jara"]),
        ("audit: Margaret Day viewed record 5", ["Margaret Day"]),
        ("ticket closed by Dr. Sean O'Neill Jr.", ["Dr. Sean O'Neill Jr"]),
        ("contact Charlotte van Vliet now", ["Charlotte van Vliet"]),
        ("card holder LÉON DUHAMEL declined", ["LÉON DUHAMEL"]),
        ("card holder JOHN SMITH declined", ["JOHN SMITH"]),
        ("ERROR MARY O'BRIEN card refused", ["MARY O'BRIEN"]),
    ],
)
def test_rules_find_names(rules: NameRules, text: str, expected: list[str]) -> None:
    """Titles, known first names and cue words mark names without a model."""
    assert expected == _people(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "ERROR KeyError: user_id in PaymentService.handle",
        "WARNING GET /api/orders returned 500 Internal Server Error",
        "Traceback (most recent call last):",
        'File "/srv/app/orders.py", line 42, in ship',
        "INFO Kafka consumer lag 12 on partition 3",
        "DEBUG ValueError raised by OrderService",
        "forwarded to Kafka Broker",
        "WARNING GET HTTP OK INFO JOB DONE",
    ],
)
def test_rules_leave_log_words(rules: NameRules, text: str) -> None:
    """Log levels, HTTP verbs, class names and service words are not names."""
    assert [] == _people(rules, text)


def test_prefilter_skips_lines_without_candidates(rules: NameRules) -> None:
    """Lines whose capitalised words are all log words send nothing to the model."""
    text = "2024-05-01T10:00:00Z ERROR Failed Request Timeout after 30ms GET /health"
    assert [] == [r for r in rules.runs(text) if r.candidate]


def test_prefilter_keeps_unknown_names(rules: NameRules) -> None:
    """A name the rules do not know is still sent to the model (recall is not dropped)."""
    text = "2024-05-01 INFO approved: Yves Bouvet; amount 42"
    runs = rules.runs(text)
    assert [("Yves Bouvet", False, True)] == [
        (text[r.start : r.end], r.person, r.candidate) for r in runs
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INFO Yves Bouvet logged in", [("Yves Bouvet", True)]),
        ("[mailer] Orsk Varty's session expired", [("Orsk Varty", True)]),
        ("Quenby Tarrow and Tony Jones joined", [("Quenby Tarrow", True)]),
        ("INFO Yves Bouvet: ticket 42", [("Yves Bouvet", True)]),
        ("INFO Yves Bouvet 42", [("Yves Bouvet", False)]),
        ("INFO Failed Login recorded", []),
    ],
)
def test_subject_position_is_likely_a_person(
    rules: NameRules, text: str, expected: list[tuple[str, bool]]
) -> None:
    """A pair before a past-tense verb, a possessive, "and Name" or "Name: text" is likely."""
    assert expected == [(text[r.start : r.end], r.likely) for r in rules.runs(text) if r.candidate]


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("Yves Bouvet", True),
        ("Chloë Bierstraten-van Berkum", True),
        ("McDonald", True),
        ("Phillip DeFreitas", True),
        ("DeviceManager", False),
        ("OrderService", False),
        ("INFO", False),
        ("user_id", False),
        ("Error", False),
        ("v2.3", False),
    ],
)
def test_plausible_person(rules: NameRules, span: str, expected: bool) -> None:
    """Model PERSON spans with code shapes (CamelCase, caps, digits, _) are rejected."""
    assert expected == rules.plausible_person(span)
