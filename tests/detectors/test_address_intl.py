"""Street addresses in international layouts (street before number, PO boxes, military)."""

from __future__ import annotations

import pytest

from detectors import StreetAddressDetector


@pytest.fixture(scope="module")
def address() -> StreetAddressDetector:
    """One address detector for the module."""
    return StreetAddressDetector()


def _spans(detector: StreetAddressDetector, text: str) -> list[str]:
    return [text[a:b] for a, b in detector.spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shipping address: Musterstraße 12, 10115 Berlin", "Musterstraße 12, 10115 Berlin"),
        ("Rua das Flores 1634, apto 12, 01310-100 São Paulo", None),
        ("deliver to Adriansvej 774  1384 Knebel before Friday", "Adriansvej 774  1384 Knebel"),
        ("new address Kossuth tér 180., Hídháza H-2714", "Kossuth tér 180., Hídháza H-2714"),
        ("682, avenue de Toussaint  74167 Richard-sur-Lelièvre", None),
        ("Průjezdná 825, 691 90 Jablonné nad Orlicí", None),
        ("order 88213\tSödingweg 990\t33907 Beeskow\tdispatched", "Södingweg 990\t33907 Beeskow"),
        ("ulica Kołłątaja 79/19, 02-931 Kwidzyn", None),
        ("Viale Parisi, 171 Appartamento 47, 44019, Montesanto (FE)", None),
        ("Gg. Rungkut Industri No. 91, Probolinggo 74833", None),
        ("Susana-Birnbaum-Straße 7-7, Rehau 45145", None),
    ],
)
def test_street_name_before_number(
    address: StreetAddressDetector, text: str, expected: str | None
) -> None:
    """Street-first layouts with their unit, postcode and town are one address."""
    whole = text if expected is None else expected
    assert [whole] == _spans(address, text)


@pytest.mark.parametrize(
    "text",
    [
        "PSC 0115, Box 2449, APO AE 09123",
        "Unit 3909 Box 2668, DPO AA 34012",
        "USNV Smith, FPO AP 96543",
        "PO Box 1234, Springfield, IL 62704",
        "Postfach 1020, 80331 München",
    ],
)
def test_po_boxes_and_military_addresses(address: StreetAddressDetector, text: str) -> None:
    """PO boxes and US military addresses (PSC/Unit/ship, APO/FPO/DPO) are addresses."""
    assert [text] == _spans(address, text)


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/orders/1234 200 took 12ms",
        "Retry 3 of 5 in Worker 12",
        "Python 3 12 seconds elapsed",
        "version 2.4.1 released",
    ],
)
def test_log_text_is_not_an_address(address: StreetAddressDetector, text: str) -> None:
    """Numbers after capitalised log words are not addresses."""
    assert [] == _spans(address, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "at 5 Elm Road, floor 3, 75-652 Ostrowiec saved",
            ["5 Elm Road, floor 3, 75-652 Ostrowiec"],
        ),
        ("deliver to 31 Rama Road\tHospet 306898 before Friday", ["31 Rama Road\tHospet 306898"]),
        ("ship to 12 Main Street, 10001 then wait", ["12 Main Street"]),
        (
            "deliver to 1 Shane Curve, WA68 3RA West Charlotteville before Friday",
            ["1 Shane Curve, WA68 3RA West Charlotteville"],
        ),
        (
            "deliver to Soseaua Ileana Barbu Nr. 83, Rovinari 430146 before Friday",
            ["Soseaua Ileana Barbu Nr. 83, Rovinari 430146"],
        ),
        (
            "deliver to 77/89, Goyal Ganj, 174218 Srikakulam",
            ["77/89, Goyal Ganj, 174218 Srikakulam"],
        ),
    ],
)
def test_units_postcode_and_town_after_the_street(
    address: StreetAddressDetector, text: str, expected: list[str]
) -> None:
    """Unit parts, then a postcode and town in either order, join the street they follow."""
    assert expected == _spans(address, text)
