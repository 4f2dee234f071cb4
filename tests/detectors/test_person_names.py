"""The no-model PERSON tier: name lists, capitalisation, position and context words."""

from __future__ import annotations

import re

import pytest

from detectors import PERSON_TRIGGER, PersonNameDetector
from scrubber import Scrubber


@pytest.fixture(scope="module")
def names() -> PersonNameDetector:
    """One name detector for the module (shipped lists, rules-only settings)."""
    return PersonNameDetector()


def _found(detector: PersonNameDetector, text: str) -> list[str]:
    return [text[f.start : f.end] for f in detector.detect(text)]


def test_readme_example_is_scrubbed_by_default(shipped: Scrubber) -> None:
    """The README's own example line loses its name with the default (no-NER) scrubber."""
    assert "order 1042 shipped to <PERSON>" == shipped.scrub_text(
        "order 1042 shipped to John Smith"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password reset requested by Gábor Kovács", ["Gábor Kovács"]),
        ("Šimon Pavlík logged in from 10.2.3.4", ["Šimon Pavlík"]),
        ('{"msg":"ticket assigned to Tanaka Hiroshi","prio":2}', ["Tanaka Hiroshi"]),
        ("2024-05-01\tMaire Ruuskanen\tinvoice-3321\tpaid", ["Maire Ruuskanen"]),
        ("By Benício Cunha | Staff Reporter", ["Benício Cunha"]),
        ("Posted by Joaquim Araújo on 2024-03-02", ["Joaquim Araújo"]),
        ("- Asko Turpeinen  - Juuso Kokko", ["Asko Turpeinen", "Juuso Kokko"]),
        ("Dear Ms. Nowak, your refund has been processed.", ["Ms. Nowak"]),
        ("Prime Minister Benjamin Netanyahu said", ["Benjamin Netanyahu"]),
        ("Did not bat : A. Kumble , N. Mongia", ["A. Kumble", "N. Mongia"]),
        ("General Anatoly Shkirko told reporters", ["Anatoly Shkirko"]),
        ("the coach was keeping Grobbelaar from the match", ["Grobbelaar"]),
        ("Mr. John Smith asked about his invoice", ["Mr. John Smith"]),
        ("Dear Jodie Phillips, your parcel is late", ["Jodie Phillips"]),
        ("Dear Will Jones, your parcel is late", ["Will Jones"]),
        ("deliver to Via de Oliveira before Friday", []),
        ("call with Jean-Pierre Leclerc at 10", ["Jean-Pierre Leclerc"]),
        ("1. Hernan Gumy ( Argentina ) 6-7 6-3", ["Hernan Gumy"]),
        ("Tarango , whose tantrum cost him", ["Tarango"]),
    ],
)
def test_names_in_log_shapes(names: PersonNameDetector, text: str, expected: list[str]) -> None:
    """Names of many countries are found in text, JSON, tab-separated, byline and list lines."""
    assert expected == _found(names, text)


def test_lone_surname_after_full_name(names: PersonNameDetector) -> None:
    """A surname standing alone after the full name appeared in the same text is a name."""
    text = "Zsófia Horváth opened case 5512; Horváth later closed it"
    assert ["Zsófia Horváth", "Horváth"] == _found(names, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ALERT: JOHN SMITH FLAGGED FOR MANUAL REVIEW", ["JOHN SMITH"]),
        ("cardholder: ZOLTAN BIRO", ["ZOLTAN BIRO"]),
        # capitals of Latin Extended-A (Ł, Š, Ż) are capitals too
        ("card holder ŁUKASZ NOWAK", ["ŁUKASZ NOWAK"]),
        ("ŁUKASZ NOWAK logged in", ["ŁUKASZ NOWAK"]),
        ("ERROR CONNECTION REFUSED BY UPSTREAM", []),
        ("ŻÓŁW ERROR ON ŁÓDŹ NODE", []),
    ],
)
def test_all_caps_names(names: PersonNameDetector, text: str, expected: list[str]) -> None:
    """Names in capitals need a known name or a context word; capitalised log text is kept."""
    assert expected == _found(names, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("May Day parade starts at noon", []),
        ("Will retry in 5 seconds", []),
        ("Bill paid for order 4411", []),
        ("Will Jones logged in", ["Will Jones"]),
        ("Mark Robinson approved the refund", ["Mark Robinson"]),
    ],
)
def test_names_that_are_common_words_need_context(
    names: PersonNameDetector, text: str, expected: list[str]
) -> None:
    """ "May", "Will", "Bill" alone are words; with a surname after them they are names."""
    assert expected == _found(names, text)


@pytest.mark.parametrize(
    "text",
    [
        "Connection Refused by Upstream Server after 3 retries",
        "GET /api/v1/users 200 Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
        'Traceback (most recent call last): File "app.py", line 3',
        "Payment Service Health Check Ok",
        "health check ok",
    ],
)
def test_log_text_is_left_alone(names: PersonNameDetector, text: str) -> None:
    """Capitalised log vocabulary, user agents and tracebacks are not taken for names."""
    assert [] == _found(names, text)


def test_lines_differing_only_in_digits_share_offsets(names: PersonNameDetector) -> None:
    """A remembered verdict for one line is exact for a line that differs only in digits."""
    first = names.detect("order 1111111 shipped to Ruth Baker")
    second = names.detect("order 2222222 shipped to Ruth Baker")
    other = names.detect("order 2222222 shipped to Ruth Bakers")
    assert [(f.start, f.end) for f in first] == [(f.start, f.end) for f in second]
    assert [(25, 36)] == [(f.start, f.end) for f in other]


@pytest.mark.parametrize(
    "text",
    [
        "order 4411 shipped to John Smith",
        "ALERT: JOHN SMITH FLAGGED",
        "Dear Mr. Smith,",
        "Gábor Kovács logged in",
        "Zsófia Horváth opened case 5512; Horváth later closed it",
    ],
)
def test_trigger_matches_where_names_are_found(names: PersonNameDetector, text: str) -> None:
    """The engine's C-level gate matches every text the detector finds a name in."""
    assert names.detect(text)
    assert re.search(PERSON_TRIGGER, text) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amanda is in love with the new release", ["Amanda"]),
        ("user: Zindra logged in", ["Zindra"]),
        ("cache miss for Product 1234 in region Europe", []),
        ("order shipped via Stripe to warehouse", []),
    ],
)
def test_lone_words_without_a_pair(
    names: PersonNameDetector, text: str, expected: list[str]
) -> None:
    """A lone known name or a word after a key is found in a text with no capitalised pair."""
    assert expected == _found(names, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beatrix Nemes", ["Beatrix Nemes"]),
        ("2024-05-01\tJarmila Beneš Šimková\tinvoice-3321\tpaid", ["Jarmila Beneš Šimková"]),
        ("Internal Server Error", []),
        ("The referee was right, ' Gress said.", ["Gress"]),
    ],
)
def test_whole_fields_and_reporting_verbs(
    names: PersonNameDetector, text: str, expected: list[str]
) -> None:
    """A value or field that is only a capitalised pair, and a word before "said", are names."""
    assert expected == _found(names, text)


@pytest.mark.parametrize(
    "text",
    [
        "proxy call with Bearer 4f9a8b7c6d5e4f3a2b1c0d9e8f7a done",
        "retrying with Basic YWxhZGRpbjpvcGVuc2VzYW1l now",
        "login by Negotiate handshake failed",
        "signed with Digest auth",
    ],
)
def test_auth_scheme_words_are_not_names(names: PersonNameDetector, text: str) -> None:
    """HTTP authentication scheme words (Bearer, Basic, Digest, Negotiate) are no names."""
    assert [] == _found(names, text)
