"""An evaluation corpus for PERSON and STREET_ADDRESS, independent of the detectors.

Sources:

- ``bench/corpora/real_names.jsonl``: real person names in their own sentences,
  from CoNLL-2003 train/dev (``PER``) and WNUT-17 train/dev (``person``); never
  the test splits (see ``bench/corpora/README.md``).
- Faker, 28 locales: names from the held-out half of Faker's name lists
  (:mod:`bench._faker_names`), and only names none of whose words any detector
  list holds; addresses in each locale's own layout, plus PO boxes and US
  military addresses; set into log-line shapes (text, JSON, key=value, tab- and
  double-space-separated fields, bylines, dialogue, lists, all-caps headlines, a
  lone surname after the full name).

Every row goes to ``dev`` or ``test`` by a hash of its text: tune on ``dev``,
report on ``test``. Rows are scored with :mod:`bench._pii_score`.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from bench._faker_names import LOCALES, half, locale_names

__all__ = ["address_rows", "build", "detector_words", "make_lists", "name_rows", "real_rows"]

CORPORA = Path(__file__).parent / "corpora"
_LISTS = ("first_names.txt", "given_names.txt", "surnames.txt")
Row = dict[str, Any]


def split_of(text: str) -> str:
    """``dev`` or ``test``, by a hash of the text."""
    return (
        "dev"
        if hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).digest()[1] & 1
        else "test"
    )


@cache
def detector_words() -> frozenset[str]:
    """Every word (lower case) of every name list shipped in ``detectors/_data``."""
    words: set[str] = set()
    data = resources.files("detectors").joinpath("_data")
    for name in _LISTS:
        path = data.joinpath(name)
        if path.is_file():
            text = path.read_text("utf-8")
            words |= {w.strip().lower() for w in text.splitlines() if w and not w.startswith("#")}
    return frozenset(words)


def make_lists(out_dir: Path) -> tuple[int, int]:
    """Write half 0 of Faker's given names and surnames as the detector's lists."""
    from faker.providers.lorem.en_US import Provider as Lorem

    from detectors import LOG_WORDS

    # Common English words are no evidence of a name: leave them out of the lists.
    common = {w.lower() for w in Lorem.word_list} | {w.lower() for w in LOG_WORDS}
    given: set[str] = set()
    last: set[str] = set()
    for loc in LOCALES:
        g, s = locale_names(loc)
        given |= {w for w in g if half(w) == 0 and len(w) > 2 and w.lower() not in common}
        last |= {w for w in s if half(w) == 0 and len(w) > 2 and w.lower() not in common}
    head = "# Half 0 of Faker's {} lists, {} locales (bench/_faker_names.py); half 1 is held out.\n"
    for name, words in (("given_names.txt", given), ("surnames.txt", last)):
        kind = "given-name" if name.startswith("given") else "surname"
        body = "\n".join(sorted(words))
        (out_dir / name).write_text(head.format(kind, len(LOCALES)) + body + "\n", "utf-8")
    return len(given), len(last)


def _held_out(words: tuple[str, ...]) -> list[str]:
    known = detector_words()
    return [
        w
        for w in words
        if half(w) == 1 and w.isascii() is not None and w.lower() not in known and len(w) > 2
    ]


def real_rows() -> list[Row]:
    """Real names in news and social-media sentences (CoNLL-2003/WNUT-17 train+dev)."""
    rows = []
    with (CORPORA / "real_names.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            rows.append(row | {"kind": "real_names", "split": split_of(row["text"])})
    return rows


def _row(kind: str, parts: list[tuple[str, str | None]], source: str) -> Row:
    text, spans = "", []
    for piece, entity in parts:
        if entity is not None:
            spans.append({"start": len(text), "end": len(text) + len(piece), "entity_type": entity})
        text += piece
    if len(text.splitlines()) != 1:
        raise ValueError(f"not one line: {text!r}")
    return {"text": text, "spans": spans, "kind": kind, "source": source, "split": split_of(text)}


P = "PERSON"
# Each template: a function of (full name, surname, other name, rng) -> parts.
_NameTpl = Callable[[str, str, str, random.Random], list[tuple[str, str | None]]]
_NAME_TEMPLATES: list[_NameTpl] = [
    lambda n, s, o, r: [(f"order {r.randint(1000, 99999)} shipped to ", None), (n, P)],
    lambda n, s, o, r: [(n, P), (f" logged in from 10.2.{r.randint(0, 255)}.7", None)],
    lambda n, s, o, r: [("password reset requested by ", None), (n, P)],
    lambda n, s, o, r: [('{"level":"info","user":"', None), (n, P), ('","msg":"login ok"}', None)],
    lambda n, s, o, r: [('{"msg":"ticket assigned to ', None), (n, P), ('","prio":2}', None)],
    lambda n, s, o, r: [('customer="', None), (n, P), ('" action=checkout total=42.10', None)],
    lambda n, s, o, r: [("name=", None), (n, P), (" status=active plan=pro", None)],
    lambda n, s, o, r: [("2024-05-01\t", None), (n, P), ("\tinvoice-3321\tpaid", None)],
    lambda n, s, o, r: [("By ", None), (n, P), (" | Staff Reporter", None)],
    lambda n, s, o, r: [("Posted by ", None), (n, P), (" on 2024-03-02", None)],
    lambda n, s, o, r: [(n, P), (": can you check the deploy before lunch?", None)],
    lambda n, s, o, r: [("<", None), (n, P), ("> restarting the worker now", None)],
    lambda n, s, o, r: [
        ("attendees: ", None),
        (n, P),
        (", ", None),
        (o, P),
        (" and ", None),
        ("Li Wei", P),
    ],
    lambda n, s, o, r: [("ALERT: ", None), (n.upper(), P), (" FLAGGED FOR MANUAL REVIEW", None)],
    lambda n, s, o, r: [(n, P), (" opened case 5512; ", None), (s, P), (" later closed it", None)],
    lambda n, s, o, r: [("Dear ", None), (n, P), (", your refund has been processed.", None)],
    lambda n, s, o, r: [(f"{r.randint(100, 999)},", None), (n, P), (",gold,2023-11-02", None)],
    lambda n, s, o, r: [("approved by ", None), (n, P), (" (manager) after review", None)],
    lambda n, s, o, r: [("reviewer: ", None), (n, P), ("  status: pending", None)],
    lambda n, s, o, r: [("call with ", None), (n, P), (" rescheduled to Thursday", None)],
    lambda n, s, o, r: [("- ", None), (n, P), ("  - ", None), (o, P)],
    lambda n, s, o, r: [("Mr. ", None), (n, P), (" asked about his invoice", None)],
]


def _person(rng: random.Random, given: list[str], last: list[str]) -> tuple[str, str]:
    first, sur = rng.choice(given), rng.choice(last)
    if rng.random() < 0.15:
        sur = f"{rng.choice(last)} {sur}" if rng.random() < 0.5 else f"{sur}-{rng.choice(last)}"
    return f"{first} {sur}", sur.split()[-1].split("-")[0]


def name_rows(per_locale: int = 40, seed: int = 9) -> list[Row]:
    """Faker names (held-out half, unknown to every detector list) in log-line shapes."""
    rng = random.Random(seed)
    rows = []
    for loc in LOCALES:
        g, s = locale_names(loc)
        given, last = _held_out(g), _held_out(s)
        if len(given) < 3 or len(last) < 3:
            continue
        for _ in range(per_locale):
            name, sur = _person(rng, given, last)
            other, _ = _person(rng, given, last)
            tpl = rng.choice(_NAME_TEMPLATES)
            rows.append(_row("faker_names", tpl(name, sur, other, rng), loc))
    return rows


A = "STREET_ADDRESS"
_ADDR_TEMPLATES: list[Callable[[str], list[tuple[str, str | None]]]] = [
    lambda a: [("shipping address: ", None), (a, A)],
    lambda a: [('{"event":"address_changed","address":"', None), (a, A), ('"}', None)],
    lambda a: [('addr="', None), (a, A), ('" verified=true', None)],
    lambda a: [("deliver to ", None), (a, A), (" before Friday", None)],
    lambda a: [("order 88213\t", None), (a, A), ("\tdispatched", None)],
    lambda a: [("new billing address ", None), (a, A), (" saved for account 4410", None)],
]
_ADDR_LOCALES = (
    "de_DE", "pt_BR", "pt_PT", "es_ES", "it_IT", "fr_FR", "nl_NL", "sv_SE", "fi_FI", "cs_CZ",
    "pl_PL", "hu_HU", "en_GB", "en_IN", "id_ID", "en_US", "da_DK", "no_NO", "ro_RO", "sk_SK",
)  # fmt: skip


def _address(fake: Any, loc: str, rng: random.Random) -> str:
    street = fake.street_address().replace("\n", ", ")
    if rng.random() < 0.2 and loc in {"en_US", "en_GB", "en_IN"}:
        street += f", {fake.secondary_address()}" if hasattr(fake, "secondary_address") else ""
    elif rng.random() < 0.2:
        street += rng.choice([", 3. OG", ", apto 12", ", 2º esq.", ", Apt 4B", ", floor 3"])
    sep = rng.choice([", ", "  ", ", ", "\t"])
    city = fake.city()
    post = fake.postcode()
    tail = f"{post} {city}" if rng.random() < 0.7 or loc == "en_US" else f"{city} {post}"
    if loc == "en_US":
        tail = f"{city}, {fake.state_abbr()} {post}"
    return f"{street}{sep}{tail}"


def address_rows(per_locale: int = 30, seed: int = 11) -> list[Row]:
    """Faker addresses in 20 locales' own layouts, PO boxes and military addresses."""
    import faker

    rng = random.Random(seed)
    rows = []
    for loc in _ADDR_LOCALES:
        fake = faker.Faker(loc)
        fake.seed_instance(seed)
        _sort_sets(fake)
        for _ in range(per_locale):
            tpl = rng.choice(_ADDR_TEMPLATES)
            rows.append(_row("faker_addresses", tpl(romanise_all(_address(fake, loc, rng))), loc))
    us = faker.Faker("en_US")
    us.seed_instance(seed)
    for i in range(60):
        kind = i % 3
        if kind == 0:
            a = us.military_apo() + ", " + rng.choice(["APO", "FPO", "DPO"]) + " AE 09" + str(i)
            a = a + str(rng.randint(100, 999))
        elif kind == 1:
            a = f"PO Box {rng.randint(10, 99999)}, {us.city()}, {us.state_abbr()} {us.postcode()}"
        else:
            a = f"{us.military_ship()} {us.last_name()}, FPO AP {us.postcode()}"
        rows.append(_row("faker_addresses", rng.choice(_ADDR_TEMPLATES)(a), "en_US-po-military"))
    return rows


def _sort_sets(fake: Any) -> None:
    """Some providers (it_IT) draw from sets, whose order changes between runs."""
    for provider in fake.providers:
        for cls in type(provider).__mro__:
            for name, value in vars(cls).items():
                if isinstance(value, set | frozenset) and not name.startswith("__"):
                    setattr(provider, name, tuple(sorted(value, key=str)))
        cities = getattr(provider, "cities", None)
        if isinstance(cities, list) and loc_of(provider) == "it_IT":  # a list made from a set
            provider.cities = sorted(cities)


def loc_of(provider: Any) -> str:
    """The locale a Faker provider class belongs to (from its module name)."""
    return str(type(provider).__module__).rsplit(".", 1)[-1]


def romanise_all(text: str) -> str:
    """Romanise every word of ``text`` (addresses of Cyrillic/Greek locales)."""
    from bench._faker_names import romanise

    return " ".join(romanise(w) if not w.isascii() else w for w in text.split(" "))


def build() -> list[Row]:
    """The whole corpus, each row with ``kind``, ``source`` and ``split``."""
    return real_rows() + name_rows() + address_rows()
