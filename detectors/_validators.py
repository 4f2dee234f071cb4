"""Plain ``str -> bool`` validators that pattern rules name in their YAML.

Each validator receives the matched text exactly as it appeared (separators
included) and decides whether it is really an instance of the entity. They are
pure functions with no state and no I/O.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

__all__ = [
    "VALIDATORS",
    "basic_credentials",
    "card_brand",
    "card_grouped",
    "digit_count_international",
    "iban_mod97",
    "ipv4",
    "ipv6",
    "luhn",
    "national_phone",
    "uk_nino",
    "uk_phone",
    "us_phone",
    "us_ssn",
]

_SEPARATORS = str.maketrans("", "", " -.()/\t")

# Official IBAN lengths per country (SWIFT IBAN registry).
_IBAN_LENGTHS: Mapping[str, int] = MappingProxyType(
    {
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
        "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
        "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
        "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
        "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
        "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
        "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
        "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
        "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
        "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
        "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    }
)  # fmt: skip

# Issuer prefixes (IIN ranges, compared as digit strings) and valid lengths.
_CARD_BRANDS: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("4", "4", frozenset({13, 16, 19})),  # Visa
    ("51", "55", frozenset({16})),  # Mastercard
    ("2221", "2720", frozenset({16})),  # Mastercard 2-series
    ("34", "34", frozenset({15})),  # American Express
    ("37", "37", frozenset({15})),  # American Express
    ("6011", "6011", frozenset({16, 17, 18, 19})),  # Discover
    ("644", "649", frozenset({16, 19})),  # Discover
    ("65", "65", frozenset({16, 19})),  # Discover
    ("3500", "3599", frozenset({16, 17, 18, 19})),  # JCB (3528-3589; generators use all 35)
    ("300", "305", frozenset({14, 16, 19})),  # Diners Club
    ("36", "36", frozenset({14, 16, 19})),  # Diners Club
    ("38", "39", frozenset({14, 16, 19})),  # Diners Club
    ("62", "62", frozenset({16, 17, 18, 19})),  # UnionPay
    ("50", "50", frozenset(range(12, 20))),  # Maestro
    ("56", "69", frozenset(range(12, 20))),  # Maestro and others
    ("0604", "0604", frozenset(range(12, 20))),  # Maestro UK (legacy)
    ("2200", "2204", frozenset({16, 17, 18, 19})),  # Mir
    ("1800", "1800", frozenset({15, 16})),  # JCB (legacy 15-digit)
    ("2131", "2131", frozenset({15, 16})),  # JCB (legacy 15-digit)
    ("3528", "3589", frozenset({15})),  # JCB 15-digit (some generators)
    ("2205", "2299", frozenset({16, 17, 18, 19})),  # other 22-series (UATP/Mir growth)
    ("1", "1", frozenset({15})),  # UATP (airline cards)
    ("81", "82", frozenset({16, 17, 18, 19})),  # UnionPay 81/RuPay 82
    ("508", "508", frozenset({16})),  # RuPay
    ("60", "60", frozenset({16, 19})),  # RuPay 60 / Discover 6011 / Hipercard 606282
    ("9792", "9792", frozenset({16})),  # Troy
    ("94", "95", frozenset({16})),  # BC Card
    ("5019", "5019", frozenset({16})),  # Dankort (also in 50)
    ("4571", "4571", frozenset({16})),  # Visa/Dankort
    ("636", "636", frozenset({16, 17, 18, 19})),  # Elo / InterPayment
    ("650", "650", frozenset({16, 17, 18, 19})),  # Elo / Verve (6500xx)
    ("506", "507", frozenset({16, 18, 19})),  # Verve (5060-5061, 5078)
    ("3", "3", frozenset({16, 19})),  # Diners 36/38, JCB 35: 16/19-digit forms
)

# str.translate table: an IBAN's letters to their numbers (A -> "10", Z -> "35")
_IBAN_LETTERS = {ord(c): str(ord(c) - 55) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}

_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN"})
_EXTENSION = re.compile(r"\s*(?:x|ext\.?)\s*\d{1,5}$", re.IGNORECASE)


# bytes.translate table: an ASCII digit to the digit sum of its double ("7" -> "5")
_LUHN_DOUBLED = bytes(
    [
        48 + (2 * (b - 48) - 9 if b > 52 else 2 * (b - 48)) if 48 <= b <= 57 else b
        for b in range(256)
    ]
)


def _digits(text: str) -> str:
    return text.translate(_SEPARATORS)


def luhn(text: str) -> bool:
    """Return whether the digits of ``text`` pass the Luhn checksum."""
    digits = _digits(text)
    if not digits.isdigit() or not digits.isascii():
        return False
    # In C: the digits at odd places from the right are summed as they are, those
    # at even places doubled (a table gives each doubled digit's digit sum); every
    # byte carries the 48 of "0".
    raw = digits.encode()
    total = sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_LUHN_DOUBLED)) - 48 * len(raw)
    return total % 10 == 0


def card_brand(text: str) -> bool:
    """Return whether ``text`` has a known card brand's prefix and length."""
    digits = _digits(text)
    if not digits.isdigit():
        return False
    length = len(digits)
    for low, high, lengths in _CARD_BRANDS:
        if length in lengths and low <= digits[: len(low)] <= high:
            return True
    return False


def iban_mod97(text: str) -> bool:
    """Return whether ``text`` is an IBAN: known country, its length, and mod-97 == 1."""
    iban = text.replace(" ", "").replace("-", "").upper()
    if len(iban) < 15 or not iban.isalnum() or not iban.isascii():
        return False
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    # letters as their numbers (A = 10 ... Z = 35), in C
    number = (iban[4:] + iban[:4]).translate(_IBAN_LETTERS)
    return int(number) % 97 == 1


def us_ssn(text: str) -> bool:
    """Return whether ``text`` is a US SSN in the issuable area/group/serial ranges."""
    digits = _digits(text)
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in {"000", "666"} or area[0] == "9":
        return False
    if len(set(digits)) == 1:
        return False
    return group != "00" and serial != "0000"


def uk_nino(text: str) -> bool:
    """Return whether ``text`` is a UK National Insurance number (prefix rules)."""
    compact = text.replace(" ", "").upper()
    return (
        len(compact) == 9
        and compact[:2].isalpha()
        and compact[2:8].isdigit()
        and compact[:2] not in _NINO_BAD_PREFIXES
    )


# What ipaddress.IPv4Address accepts: four ASCII decimal octets 0-255, no leading zeros.
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def ipv4(text: str) -> bool:
    """Return whether ``text`` is a dotted-quad IPv4 address (as ``ipaddress`` parses it)."""
    return _IPV4.fullmatch(text) is not None


# Hex digits and colons only, and the one form ipaddress accepts of those when no
# "::" is in them: eight groups of one to four hex digits.
_HEX_COLONS = re.compile(r"[0-9A-Fa-f:]+")
_EIGHT_GROUPS = re.compile(r"[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}")


def ipv6(text: str) -> bool:
    """Return whether ``text`` is an IPv6 address with at least two hex digits.

    ``::`` alone and similar punctuation-only strings are not taken as addresses.
    """
    if "::" not in text and _HEX_COLONS.fullmatch(text) is not None:
        # No "::", no dotted IPv4 tail, no scope: ipaddress.IPv6Address accepts
        # exactly eight hex groups (the full form, and times such as 10:11:12 are
        # told apart in C, without an exception)
        return _EIGHT_GROUPS.fullmatch(text) is not None
    seen = 0
    for c in text:  # stops at the second letter or digit (most texts: at once)
        if c.isalnum():
            seen += 1
            if seen == 2:
                break
    else:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def digit_count_international(text: str) -> bool:
    """Return whether an international (``+``) number has 8 to 15 digits (E.164)."""
    digits = _digits(_EXTENSION.sub("", text).lstrip("+"))
    return digits.isdigit() and 8 <= len(digits) <= 16


def us_phone(text: str) -> bool:
    """Return whether ``text`` has the 10 (or 11 with leading 1) digits of a NANP number."""
    digits = _digits(_EXTENSION.sub("", text))
    if digits.startswith("001"):
        digits = digits[3:]
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == 10 and digits.isdigit() and len(set(digits)) > 2


def uk_phone(text: str) -> bool:
    """Return whether ``text`` is a UK national number: 0, then 9 or 10 more digits."""
    digits = _digits(text)
    return len(digits) in (10, 11) and national_phone(text)


def national_phone(text: str) -> bool:
    """Return whether ``text`` is a national number with trunk 0: 9 to 12 digits."""
    digits = _digits(text)
    return (
        digits.isdigit()
        and 9 <= len(digits) <= 12
        and digits[0] == "0"
        and digits[1] != "0"
        and len(set(digits)) > 2
    )


def card_grouped(text: str) -> bool:
    """Return whether ``text`` is a card number (Luhn, brand) grouped with any of
    ``. _ - / tab`` or blanks (``4111.1111.1111.1111``, ``4111_1111_1111_1111``)."""
    plain = text.replace("_", " ")
    return luhn(plain) and card_brand(plain)


def basic_credentials(text: str) -> bool:
    """Return whether ``text`` is the base64 of HTTP Basic credentials (``user:password``).

    The decoded bytes must be printable UTF-8 holding a ``:`` after a non-empty
    user part, so that words after "basic" ("basic plan") are no credentials.
    """
    if len(text) < 6:
        return False
    padded = text + "=" * (-len(text) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    user, colon, _ = decoded.partition(":")
    return bool(colon) and bool(user) and decoded.isprintable()


VALIDATORS: Mapping[str, Callable[[str], bool]] = MappingProxyType(
    {
        "basic_credentials": basic_credentials,
        "card_brand": card_brand,
        "card_grouped": card_grouped,
        "digit_count_international": digit_count_international,
        "iban_mod97": iban_mod97,
        "ipv4": ipv4,
        "ipv6": ipv6,
        "luhn": luhn,
        "national_phone": national_phone,
        "uk_nino": uk_nino,
        "uk_phone": uk_phone,
        "us_phone": us_phone,
        "us_ssn": us_ssn,
    }
)
