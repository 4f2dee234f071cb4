"""Public test vectors of the checksummed entity types, for the evaluation corpus.

Cards are the payment processors' published test numbers (Luhn-valid, one or more
per brand); IBANs are the example IBANs of the SWIFT IBAN registry per country.
"""

from __future__ import annotations

__all__ = ["IBAN_EXAMPLES", "TEST_CARDS", "iban_ok", "luhn_ok"]

TEST_CARDS: dict[str, tuple[str, ...]] = {
    "visa": ("4111111111111111", "4012888888881881", "4242424242424242", "4000056655665556"),
    "mastercard": ("5555555555554444", "5105105105105100", "2223003122003222"),
    "amex": ("378282246310005", "371449635398431", "378734493671000"),
    "discover": ("6011111111111117", "6011000990139424"),
    "diners": ("30569309025904", "38520000023237", "36227206271667"),
    "jcb": ("3530111333300000", "3566002020360505"),
    "unionpay": ("6200000000000005",),
    "maestro": ("6759649826438453",),
}

IBAN_EXAMPLES: tuple[str, ...] = (
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "CH9300762011623852957",
    "AT611904300234573201",
    "IE29AIBK93115212345678",
    "PL61109010140000071219812874",
    "SE4550000000058398257466",
    "NO9386011117947",
    "DK5000400440116243",
    "FI2112345600000785",
    "PT50000201231234567890154",
)


def luhn_ok(number: str) -> bool:
    """Return True when the digits of ``number`` pass the Luhn check."""
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return bool(digits) and total % 10 == 0


def iban_ok(iban: str) -> bool:
    """Return True when ``iban`` passes the ISO 13616 mod-97 check."""
    compact = iban.replace(" ", "").upper()
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1
