"""Real address parsers as ``texts -> texts`` scrubbers, to compare with logward's grammar.

- ``pyap2``: finds US/CA/GB addresses in free text (``pyap.parse(text, country=...)``);
  each match is replaced, for each country in turn.
- ``usaddress``: a CRF that labels every token of a string as an address part; it
  assumes the string is an address, so tokens it labels as a street, number, unit,
  PO box, town, state or ZIP are replaced (the rest kept).
- libpostal (``postal``) needs the libpostal C library and its ~2 GB model data,
  which cannot be downloaded here: not measured.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["pyap2_scrub", "usaddress_scrub"]

_KEEP = {"Recipient", "NotAddress", "LandmarkName"}


def pyap2_scrub(texts: Sequence[str]) -> list[str]:
    """Replace every address pyap2 finds (US, CA, GB rules) with ``<STREET_ADDRESS>``."""
    import pyap

    out = []
    for text in texts:
        for country in ("US", "CA", "GB"):
            for found in pyap.parse(text, country=country):
                full = str(found.full_address)
                if full and full in text:
                    text = text.replace(full, "<STREET_ADDRESS>")
        out.append(text)
    return out


def usaddress_scrub(texts: Sequence[str]) -> list[str]:
    """Replace the tokens usaddress labels as address parts with ``<STREET_ADDRESS>``."""
    import usaddress

    out = []
    for text in texts:
        try:
            parts = usaddress.parse(text)
        except Exception:  # a parser failure leaves the line as it is
            out.append(text)
            continue
        for token, label in parts:
            if label not in _KEEP and len(token.strip(",")) >= 2:
                text = text.replace(token.strip(","), "<STREET_ADDRESS>", 1)
        out.append(text)
    return out
