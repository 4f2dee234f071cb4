"""Faker's given names and surnames in many locales, split in two disjoint halves.

Half ``0`` (by a hash of the lower-cased word) may feed a detector's lists
(``detectors/_data/given_names.txt``, ``surnames.txt``, made by
``python -m bench.eval_names --make-lists``); half ``1`` alone feeds the
evaluation corpus, which further drops every word that any detector list holds.
Cyrillic and Arabic names are romanised with a plain letter table, Japanese
names come from Faker's own romanised lists.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

__all__ = ["LOCALES", "half", "locale_names", "romanise"]

LOCALES = (
    "hu_HU", "cs_CZ", "fi_FI", "ja_JP", "ar_AA", "pt_BR", "pt_PT", "pl_PL", "ru_RU", "de_DE",
    "fr_FR", "es_ES", "it_IT", "nl_NL", "tr_TR", "sv_SE", "vi_VN", "id_ID", "en_IN", "en_US",
    "en_GB", "da_DK", "no_NO", "ro_RO", "el_GR", "uk_UA", "sk_SK", "hr_HR",
)  # fmt: skip

_CYR = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
            "i",
            "ye",
            "yi",
            "g",
        ],
        strict=True,
    )
)
_GRK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ",
        [
            "a",
            "v",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
            "a",
            "e",
            "i",
            "i",
            "o",
            "y",
            "o",
            "i",
            "y",
            "i",
            "y",
        ],
        strict=True,
    )
)
_ARA = dict(
    zip(
        "ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآؤئ",
        [
            "a",
            "b",
            "t",
            "th",
            "j",
            "h",
            "kh",
            "d",
            "dh",
            "r",
            "z",
            "s",
            "sh",
            "s",
            "d",
            "t",
            "z",
            "a",
            "gh",
            "f",
            "q",
            "k",
            "l",
            "m",
            "n",
            "h",
            "w",
            "y",
            "a",
            "a",
            "_",
            "a",
            "i",
            "a",
            "u",
            "i",
        ],
        strict=True,
    )
)


def romanise(word: str) -> str:
    """Romanise Cyrillic, Greek and Arabic letters; other text is returned as is."""
    out = []
    for ch in word:
        low = ch.lower()
        table = _CYR if low in _CYR else _GRK if low in _GRK else _ARA if low in _ARA else None
        if table is None:
            out.append(ch)
            continue
        rep = table[low].replace("_", "")
        out.append(rep.capitalize() if ch != low or (not out and table is _ARA) else rep)
    return "".join(out)


def half(word: str) -> int:
    """The half (0 = detector lists, 1 = evaluation) that ``word`` belongs to."""
    return hashlib.sha1(word.lower().encode("utf-8"), usedforsecurity=False).digest()[0] & 1


def _provider(fake: Any) -> Any:
    return next(p for p in fake.providers if "person" in type(p).__module__)


@functools.cache
def locale_names(locale: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return ``(given names, surnames)`` of a Faker locale, romanised, deduplicated."""
    import faker

    prov = _provider(faker.Faker(locale))
    if locale == "ja_JP":
        given = list(prov.first_romanized_names)
        last = list(prov.last_romanized_names)
    else:
        given = [*getattr(prov, "first_names", ())]
        for attr in ("first_names_male", "first_names_female"):
            given += [*getattr(prov, attr, ())]
        last = [*getattr(prov, "last_names", ())]
        for attr in ("last_names_male", "last_names_female"):
            last += [*getattr(prov, attr, ())]

    def clean(words: list[Any]) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for w in words:
            w = romanise(str(w).strip())
            if w and w[0].isalpha() and w.isascii() is not None and " " not in w:
                seen.setdefault(w, None)
        return tuple(seen)

    # Sorted: some providers keep names in sets, whose order changes between runs.
    return tuple(sorted(clean(given))), tuple(sorted(clean(last)))
