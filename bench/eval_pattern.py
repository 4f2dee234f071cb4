"""An evaluation corpus for pattern PII, built from sources independent of the detectors.

All values are generated, none is real:

- phone numbers: every region's example numbers in libphonenumber's metadata
  (``phonenumbers.example_number_for_type``, fixed line and mobile), written in
  the forms people write (national, international, E.164, dashed, dotted,
  glued, bracketed, glued to a label such as ``-Office``), and Faker's
  ``phone_number()`` in 24 locales as Faker writes them;
- payment cards: Faker's ``credit_card_number`` for every card type it knows
  (JCB 15/16, Maestro, Diners, ...), plain, spaced and dashed;
- IBANs: Faker's ``iban()`` in many locales, compact, grouped, lower case;
- e-mail addresses, IPv4/IPv6 addresses and US SSNs from Faker.

Values are set into log lines of many shapes (text, JSON, key=value, access
lines with percent- and ``+``-encoded query strings, tab-separated fields,
tracebacks, dialogue, lists) with realistic non-PII filler (ids, durations,
versions, timestamps) whose tokens measure retention.

The split is deterministic: by a hash of the region (libphonenumber), the
locale (Faker phones, IBANs) or the value (cards, e-mail, IP, SSN). Tune on
``dev``; report on ``test``. Rows are the scorer's ``{"text", "spans"}``.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["PHONE_LOCALES", "generate", "split_of"]

PHONE_LOCALES = (
    "en_US", "en_GB", "en_AU", "en_CA", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CH",
    "it_IT", "es_ES", "es_MX", "pt_BR", "pt_PT", "nl_NL", "nl_BE", "pl_PL", "cs_CZ", "hu_HU",
    "fi_FI", "sv_SE", "da_DK", "no_NO", "ja_JP", "ko_KR", "zh_CN", "ru_RU", "tr_TR", "el_GR",
    "ro_RO", "uk_UA", "he_IL", "th_TH", "id_ID", "en_NZ", "en_IE", "sk_SK", "hr_HR", "bg_BG",
)  # fmt: skip
IBAN_LOCALES = (
    "de_DE", "fr_FR", "en_GB", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "fi_FI", "cs_CZ",
    "sk_SK", "de_AT", "de_CH", "nl_BE", "el_GR", "ro_RO", "hr_HR", "sv_SE", "no_NO", "da_DK",
    "hu_HU", "bg_BG", "en_IE", "tr_TR", "uk_UA", "et_EE", "lv_LV", "lt_LT", "sl_SI", "fr_CH",
)  # fmt: skip
CARD_TYPES = (
    "amex", "diners", "discover", "jcb15", "jcb16", "maestro", "mastercard",
    "visa13", "visa16", "visa19",
)  # fmt: skip


def split_of(key: str) -> str:
    """``dev`` or ``test``, by a stable hash of ``key`` (a region, locale or value)."""
    return "test" if hashlib.sha256(key.encode()).digest()[0] % 2 else "dev"


# -- values ------------------------------------------------------------------


def _phone_forms(region: str, number: Any) -> list[str]:
    import phonenumbers as pn

    fmt = pn.PhoneNumberFormat
    national = pn.format_number(number, fmt.NATIONAL)
    intl = pn.format_number(number, fmt.INTERNATIONAL)
    e164 = pn.format_number(number, fmt.E164)
    digits = "".join(c for c in national if c.isdigit())
    forms = [national, intl, e164, intl.replace(" ", "-"), national.replace(" ", "-")]
    forms += [national.replace(" ", "."), digits, "00" + e164[1:], intl.replace(" ", "")]
    if " " in national and "(" not in national:
        head, _, tail = national.partition(" ")
        forms.append(f"({head}) {tail}")
    return list(dict.fromkeys(f for f in forms if sum(c.isdigit() for c in f) >= 5))


def _libphonenumber_phones() -> Iterator[tuple[str, str, str]]:
    import phonenumbers as pn

    kinds = (pn.PhoneNumberType.FIXED_LINE, pn.PhoneNumberType.MOBILE)
    for region in sorted(pn.SUPPORTED_REGIONS):
        for kind in kinds:
            number = pn.example_number_for_type(region, kind)
            if number is None:
                continue
            for form in _phone_forms(region, number):
                yield split_of("region:" + region), form, "libphonenumber:" + region


def _faker(locale: str, seed: int) -> Any:
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _faker_phones(seed: int) -> Iterator[tuple[str, str, str]]:
    for locale in PHONE_LOCALES:
        fake = _faker(locale, seed)
        for _ in range(12):
            yield split_of("locale:" + locale), fake.phone_number(), "faker:" + locale


def _cards(seed: int) -> Iterator[tuple[str, str, str]]:
    fake = _faker("en_US", seed)
    for card_type in CARD_TYPES:
        for i in range(30):
            number = fake.credit_card_number(card_type=card_type)
            if i % 3 == 1:
                number = " ".join(number[k : k + 4] for k in range(0, len(number), 4))
            elif i % 3 == 2:
                number = "-".join(number[k : k + 4] for k in range(0, len(number), 4))
            yield split_of(number), number, "faker:" + card_type


def _ibans(seed: int) -> Iterator[tuple[str, str, str]]:
    for locale in IBAN_LOCALES:
        try:
            fake = _faker(locale, seed)
            fake.iban()
        except AttributeError:
            continue
        for i in range(10):
            iban = fake.iban()
            if i % 3 == 1:
                iban = " ".join(iban[k : k + 4] for k in range(0, len(iban), 4))
            elif i % 3 == 2:
                iban = iban.lower()
            yield split_of("locale:" + locale), iban, "faker-iban:" + locale


def _simple(seed: int) -> Iterator[tuple[str, str, str, str]]:
    fake = _faker("en_US", seed)
    for _ in range(150):
        for entity, value in (
            ("EMAIL_ADDRESS", fake.email()),
            ("EMAIL_ADDRESS", fake.free_email()),
            ("IP_ADDRESS", fake.ipv4_public()),
            ("IP_ADDRESS", fake.ipv6()),
            ("US_SSN", fake.ssn()),
        ):
            yield entity, split_of(value), value, "faker:" + entity.lower()


# -- line shapes -------------------------------------------------------------

Shape = Callable[[random.Random, str, str], tuple[str, str, str]]
_KEYS = {
    "PHONE_NUMBER": ("phone", "mobile", "tel", "contact_number"),
    "CREDIT_CARD": ("card", "card_number", "pan", "cc"),
    "IBAN_CODE": ("iban", "account", "payee_iban"),
    "EMAIL_ADDRESS": ("email", "user", "recipient"),
    "IP_ADDRESS": ("client_ip", "ip", "remote_addr"),
    "US_SSN": ("ssn", "tax_id", "social"),
}
_WORDS = {
    "PHONE_NUMBER": ("phone", "number", "mobile", "call"),
    "CREDIT_CARD": ("card", "payment card", "card number", "charged card"),
    "IBAN_CODE": ("IBAN", "account", "payee account", "transfer to"),
    "EMAIL_ADDRESS": ("email", "user", "sent to", "recipient"),
    "IP_ADDRESS": ("client", "from", "remote", "peer"),
    "US_SSN": ("SSN", "social security number", "ssn", "SSN on file"),
}


def _filler(rng: random.Random) -> str:
    parts = [
        f"order_id={rng.randint(10**6, 10**9)}",
        f"took {rng.randint(1, 9999)}ms",
        f"build {rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}",
        f"request_id={rng.getrandbits(64):016x}",
        f"ts=2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z",
        f"bytes={rng.randint(100, 10**7)}",
        f"pid={rng.randint(100, 65535)}",
        f"retries={rng.randint(0, 5)} region=eu-west-{rng.randint(1, 3)}",
        f"latency_p99={rng.randint(1, 999)}.{rng.randint(0, 99)}",
        f"invoice INV-{rng.randint(10**5, 10**8)}",
    ]
    return " ".join(rng.sample(parts, 3))


def _text(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    word = rng.choice(_WORDS[entity])
    head = rng.choice(("INFO checkout:", "WARN svc.users", "ERROR payments", "DEBUG api"))
    return (
        f"{head} updated {word} ",
        value,
        f" for account {rng.randint(1000, 99999)} {_filler(rng)}",
    )


def _json(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    key = rng.choice(_KEYS[entity])
    head = json.dumps({"level": "info", "msg": "profile saved", "svc": "accounts"})[:-1]
    return f'{head}, "{key}": "', value, f'", "meta": "{_filler(rng)}"}}'


def _kv(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    key = rng.choice(_KEYS[entity])
    return f"level=info event=update {key}=", value, f" {_filler(rng)}"


def _kv_glued(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    label = rng.choice(("Office", "Fax", "Home", "Mobile", "work"))
    if entity != "PHONE_NUMBER":
        return _kv(rng, entity, value)
    return "contacts updated: ", value, f"-{label} {_filler(rng)}"


def _access(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    key = rng.choice(_KEYS[entity])
    encoded = rng.choice((quote_plus, quote, lambda v: quote(v, safe="")))(value)
    ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    head = f'{ip} - - [04/Dec/2026:10:{rng.randint(10, 59)}:00 +0000] "GET /api/v2/search?{key}='
    tail = f'&page={rng.randint(1, 40)} HTTP/1.1" 200 {rng.randint(100, 99999)} "-" "curl/8.5.0"'
    return head, encoded, tail


def _tsv(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    return f"2026-12-04\t{rng.randint(1000, 9999)}\tupdate\t", value, f"\tok\t{_filler(rng)}"


def _traceback(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    head = '  File "/srv/app/handlers.py", line ' + str(rng.randint(10, 900))
    return f"{head}, in save: ValueError: cannot store {rng.choice(_WORDS[entity])} '", value, "'"


def _dialogue(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    if entity == "PHONE_NUMBER":
        head = rng.choice(
            ("agent: sure - call me on ", "customer: my number is ", "you can reach me at ")
        )
    else:
        head = f"customer: my {rng.choice(_WORDS[entity])} is "
    return head, value, rng.choice((", thanks!", " ok?", ". Bye", " - cheers"))


def _listing(rng: random.Random, entity: str, value: str) -> tuple[str, str, str]:
    word = rng.choice(_WORDS[entity])
    return (
        f"batch import [{rng.randint(1, 99)}/100] {word}s: ",
        value,
        f"; skipped: {rng.randint(0, 9)}",
    )


SHAPES: tuple[Shape, ...] = (
    _text,
    _json,
    _kv,
    _kv_glued,
    _access,
    _tsv,
    _traceback,
    _dialogue,
    _listing,
)


def _row(head: str, value: str, tail: str, entity: str, source: str, shape: str) -> dict[str, Any]:
    spans = [{"start": len(head), "end": len(head) + len(value), "entity_type": entity}]
    if shape == "access":  # the client address that starts an access line is PII too
        spans.insert(0, {"start": 0, "end": head.index(" "), "entity_type": "IP_ADDRESS"})
    return {"text": head + value + tail, "spans": spans, "source": source, "shape": shape}


def generate(split: str, seed: int = 20261204) -> list[dict[str, Any]]:
    """Return the rows of ``split`` (``dev`` or ``test``); the same rows every call."""
    rng = random.Random(f"{seed}:{split}")
    values: list[tuple[str, str, str, str]] = []
    for part, value, source in _libphonenumber_phones():
        values.append(("PHONE_NUMBER", part, value, source))
    values += [("PHONE_NUMBER", p, v, s) for p, v, s in _faker_phones(seed)]
    values += [("CREDIT_CARD", p, v, s) for p, v, s in _cards(seed)]
    values += [("IBAN_CODE", p, v, s) for p, v, s in _ibans(seed)]
    values += list(_simple(seed))
    rows: list[dict[str, Any]] = []
    for entity, part, value, source in values:
        if part != split:
            continue
        shape = rng.choice(SHAPES)
        head, shown, tail = shape(rng, entity, value)
        if shape is _json:
            shown = json.dumps(shown)[1:-1]
        rows.append(_row(head, shown, tail, entity, source, shape.__name__.lstrip("_")))
    return rows
