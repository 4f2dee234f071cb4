"""Built-in fake customer data for the demo (no Faker at run time).

Every value is fictitious. Card numbers are the public Luhn-valid test numbers,
IBANs the published example accounts, phone numbers from reserved ranges.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNTS",
    "ADDRESSES",
    "CARDS",
    "CUSTOMERS",
    "IBANS",
    "PHONES",
    "email_of",
]

CUSTOMERS = (
    "John Smith",
    "Maria Garcia",
    "David Johnson",
    "Sarah Williams",
    "James Brown",
    "Emily Davis",
    "Michael Miller",
    "Olivia Wilson",
    "Robert Taylor",
    "Sophie Anderson",
    "William Thomas",
    "Charlotte Moore",
)

PHONES = (
    "+44 20 7946 0958",
    "+1 (415) 555-0132",
    "020 7946 0321",
    "(212) 555-0187",
    "+44 7700 900123",
    "+1 202-555-0148",
)

CARDS = (
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "3400 000000 00009",
    "4012888888881881",
    "6011 1111 1111 1117",
)

IBANS = (
    "GB82 WEST 1234 5698 7654 32",
    "DE89 3704 0044 0532 0130 00",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91ABNA0417164300",
)

ADDRESSES = (
    "221B Baker Street, London NW1 6XE",
    "742 Evergreen Terrace, Springfield",
    "10 Downing Street, London SW1A 2AA",
    "1600 Pennsylvania Avenue NW, Washington",
)

# Marketplace staff accounts in the embedded account store.
ACCOUNTS = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "breakglass-admin",
)


def email_of(name: str) -> str:
    """A fictitious address for a customer name."""
    first, _, last = name.lower().partition(" ")
    return f"{first}.{last}@example.co.uk"
