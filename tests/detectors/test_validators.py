"""The plain validator functions, on public test vectors."""

from __future__ import annotations

import ipaddress
import random

import pytest

from detectors import VALIDATORS

# The validators as rules name them (``validators: [luhn]``).
basic_credentials = VALIDATORS["basic_credentials"]
card_brand = VALIDATORS["card_brand"]
card_grouped = VALIDATORS["card_grouped"]
digit_count_international = VALIDATORS["digit_count_international"]
iban_mod97 = VALIDATORS["iban_mod97"]
ipv4 = VALIDATORS["ipv4"]
ipv6 = VALIDATORS["ipv6"]
luhn = VALIDATORS["luhn"]
national_phone = VALIDATORS["national_phone"]
uk_nino = VALIDATORS["uk_nino"]
uk_phone = VALIDATORS["uk_phone"]
us_phone = VALIDATORS["us_phone"]
us_ssn = VALIDATORS["us_ssn"]

# Public test card numbers (Stripe, PayPal, Adyen docs), one or more per brand.
TEST_CARDS = {
    "visa": ["4111111111111111", "4012888888881881", "4222222222222", "4000056655665556"],
    "mastercard": ["5555555555554444", "5105105105105100", "2223003122003222"],
    "amex": ["378282246310005", "371449635398431"],
    "discover": ["6011111111111117", "6011000990139424"],
    "diners": ["30569309025904", "38520000023237", "36227206271667"],
    "jcb": ["3530111333300000", "3566002020360505"],
    "unionpay": ["6200000000000005"],
    "maestro": ["6759649826438453", "6304000000000000", "060427969229"],
    "mir": ["2200000000000004"],
}
ALL_CARDS = [number for numbers in TEST_CARDS.values() for number in numbers]

# Example IBANs published by the national banks / SWIFT registry.
IBANS = [
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "CH9300762011623852957",
    "AT611904300234573201",
    "NO9386011117947",
    "SE4550000000058398257466",
    "PL61109010140000071219812874",
    "DK5000400440116243",
    "FI2112345600000785",
    "IE29AIBK93115212345678",
    "PT50000201231234567890154",
    "LU280019400644750000",
    "SA0380000000608010167519",
    "MT84MALT011000012345MTLCAST001S",
    "BR1800360305000010009795493C1",
    "TR330006100519786457841326",
]


@pytest.mark.parametrize("number", ALL_CARDS)
def test_luhn_accepts_public_test_cards(number):
    """Every public test card of every brand passes Luhn and the brand check."""
    assert luhn(number)
    assert card_brand(number)


@pytest.mark.parametrize("number", ["4111 1111 1111 1111", "4111-1111-1111-1111"])
def test_luhn_ignores_separators(number):
    """Spaces and dashes between digit groups do not affect validation."""
    assert luhn(number)
    assert card_brand(number)


@pytest.mark.parametrize("number", ["4111111111111112", "1234567812345678", "abcd", ""])
def test_luhn_rejects_bad_checksums_and_non_digits(number):
    """A wrong check digit, letters or an empty string fail Luhn."""
    assert not luhn(number)


@pytest.mark.parametrize("number", ["1000000000000008", "9999999999999995", "4111111111111"[:12]])
def test_card_brand_rejects_unknown_prefixes_and_lengths(number):
    """Luhn-valid numbers without a known brand prefix/length are not cards."""
    assert not card_brand(number)


@pytest.mark.parametrize("iban", IBANS)
def test_iban_accepts_published_examples(iban):
    """Published example IBANs of many countries pass mod-97 and length checks."""
    assert iban_mod97(iban)


def test_iban_accepts_spaced_and_lowercase_forms():
    """The grouped print form and lowercase letters are accepted."""
    assert iban_mod97("GB82 WEST 1234 5698 7654 32")
    assert iban_mod97("gb82west12345698765432")


@pytest.mark.parametrize(
    "iban",
    [
        "GB82WEST12345698765431",  # checksum broken
        "GB82WEST1234569876543",  # one short for GB
        "XX82WEST12345698765432",  # unknown country
        "GBxxWEST12345698765432",  # check digits not digits
        "GB82WEST12345698765432!",
    ],
)
def test_iban_rejects_broken_values(iban):
    """Wrong checksum, length, country or characters fail."""
    assert not iban_mod97(iban)


@pytest.mark.parametrize("ssn", ["078-05-1120", "123-45-6789", "536-90-4399", "123 45 6789"])
def test_ssn_accepts_issuable_ranges(ssn):
    """Numbers in the issuable area/group/serial ranges are accepted."""
    assert us_ssn(ssn)


@pytest.mark.parametrize(
    "ssn",
    ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000", "111-11-1111"],
)
def test_ssn_rejects_never_issued_ranges(ssn):
    """Area 000/666/9xx, group 00, serial 0000 and repeated digits are rejected."""
    assert not us_ssn(ssn)


@pytest.mark.parametrize("nino", ["QQ123456C", "AB 12 34 56 D", "ZZ 969317 T"])
def test_nino_accepts_valid_shapes(nino):
    """Two letters, six digits and a letter, spaced or not, are NINOs."""
    assert uk_nino(nino)


@pytest.mark.parametrize("nino", ["GB123456A", "BG 12 34 56 A", "TN123456B", "AB12345C"])
def test_nino_rejects_unissued_prefixes(nino):
    """Never-issued prefixes and wrong lengths are rejected."""
    assert not uk_nino(nino)


def test_ip_validators():
    """IPv4 dotted quads and IPv6 forms validate; punctuation and ``::1`` do not."""
    assert ipv4("192.168.0.1")
    assert not ipv4("256.1.1.1")
    for address in ["2001:db8::1", "::ffff:192.0.2.128", "fe80::1ff:fe23:4567:890a", "::2:3"]:
        assert ipv6(address), address
    for other in ["::", "::1", "10:23:45", "00:1a:2b:3c:4d:5e", "dead:beef"]:
        assert not ipv6(other), other


def _ipaddress_ipv6(text: str) -> bool:
    """The ipv6 validator's reference: the stdlib parser, two alphanumerics at least."""
    if sum(c.isalnum() for c in text) < 2:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def test_ipv6_answers_as_the_stdlib_parser_on_random_hex_and_colons():
    """The C-level path for texts without "::" accepts exactly what ipaddress does."""
    rng = random.Random(6)
    hexdigits = "0123456789abcdefABCDEF"
    texts = ["1:2:3:4:5:6:7:8", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:2:3:4:5:6:7:8:9"]
    for _ in range(20000):
        groups = rng.randrange(1, 10)
        sizes = [rng.choice([0, 1, 2, 3, 4, 4, 5]) for _ in range(groups)]
        texts.append(":".join("".join(rng.choice(hexdigits) for _ in range(n)) for n in sizes))
        texts.append("".join(rng.choice(hexdigits + "::.g") for _ in range(rng.randrange(0, 40))))
    accepted = 0
    for text in texts:
        expected = _ipaddress_ipv6(text)
        assert expected == ipv6(text), text
        accepted += expected
    assert accepted > 500  # the valid forms were exercised, not only rejects


def test_phone_validators():
    """Digit counts of international, NANP and UK national numbers are checked."""
    assert digit_count_international("+44 (0)20 7946 0958")
    assert digit_count_international("+1-212-555-0199 x123")
    assert not digit_count_international("+12 345")
    assert us_phone("(212) 555-0199")
    assert us_phone("1-800-555-0199")
    assert us_phone("212.555.0199 ext. 12")
    assert not us_phone("555-0199")
    assert uk_phone("020 7946 0958")
    assert uk_phone("07700 900123")
    assert not uk_phone("0000 000 0000")
    assert national_phone("03 71 49 97 06")
    assert national_phone("(07672) 42388")
    assert not national_phone("0123 4567")


def test_registry_names_every_validator():
    """The YAML-facing registry maps names to these very functions."""
    assert luhn is VALIDATORS["luhn"]
    assert iban_mod97 is VALIDATORS["iban_mod97"]
    assert all(callable(v) for v in VALIDATORS.values())


def test_ipv4_accepts_exactly_what_ipaddress_accepts():
    """The regex-based ipv4 validator agrees with ipaddress.IPv4Address on every shape."""
    import ipaddress
    import itertools

    def reference(text: str) -> bool:
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            return False
        return True

    octets = ["0", "00", "01", "9", "10", "99", "100", "199", "249", "255", "256", "999", "1000"]
    octets += ["", "\u0663", "a", " 1"]
    for parts in itertools.product(octets, repeat=4):
        text = ".".join(parts)
        assert reference(text) == ipv4(text), text
    for text in ["1.2.3", "1.2.3.4.5", "1.2.3.4\n", "1.2.3.4/24", "", "+1.2.3.4", "1.2.3.4 "]:
        assert reference(text) == ipv4(text), text


@pytest.mark.parametrize(
    "number", ["4111.1111.1111.1111", "4111_1111_1111_1111", "5500\t0000\t0000\t0004"]
)
def test_card_grouped_accepts_dot_underscore_and_tab_groups(number):
    """A Luhn-valid card of a known brand is one whatever its group separator."""
    assert card_grouped(number)


@pytest.mark.parametrize("number", ["4111.1111.1111.1112", "1234_5678_9012_3456", "4111.1111"])
def test_card_grouped_rejects_bad_checksums_and_short_numbers(number):
    """Grouping does not excuse a failed checksum or a length no brand has."""
    assert not card_grouped(number)


@pytest.mark.parametrize(
    "token",
    ["YWxhZGRpbjpvcGVuc2VzYW1l", "dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"],
)
def test_basic_credentials_accepts_base64_user_password(token):
    """The base64 of ``user:password`` (padded or not) is a Basic credential."""
    assert basic_credentials(token)


@pytest.mark.parametrize(
    "token", ["authentication", "YWJjZGVmZ2g=", "OnBhc3N3b3Jk", "plan", "////////"]
)
def test_basic_credentials_rejects_words_and_other_base64(token):
    """Words, base64 without a colon, an empty user part and binary are no credentials."""
    assert not basic_credentials(token)
