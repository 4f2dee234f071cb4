"""Decode before detecting: percent-encoding (also double, ``%2540``), ``+`` as a
space, HTML entities, JSON ``\\u`` escapes, base64 ``Basic`` credentials, and
invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen)
that split a value without showing (``jane\u200b@example.com``).

:func:`encoded_findings` finds each token of a text that holds an encoded form,
builds one decoded view of the whole text (so context words still count), runs
the detectors over it, and maps every finding back: a finding touching a decoded
token covers the whole encoded token in the original text, so
``q=john%2Esmith%40example%2Ecom`` loses the whole value, never part of it.

The engine calls this only when :data:`MAYBE_ENCODED` matches (one C-level
search per text), so plain lines pay nothing else.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from urllib.parse import unquote, unquote_plus

from detectors import Finding

__all__ = ["MAYBE_ENCODED", "encoded_findings", "maybe_encoded"]

# Every branch starts with a literal character, so the search skips to those in C.
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
MAYBE_ENCODED = re.compile(
    r"%[0-9A-Fa-f]{2}|&#|&[A-Za-z]{2,8};|\\u[0-9A-Fa-f]{4}"
    r"|\+(?<=[A-Za-z0-9]\+)(?=[A-Za-z0-9])|Basic [A-Za-z0-9+/]" + f"|[{_INVISIBLE}]"
)
_MAYBE_SEARCH = MAYBE_ENCODED.search


def maybe_encoded(text: str) -> bool:
    """Whether :data:`MAYBE_ENCODED` matches ``text``, ruled out first by cheap
    substring tests: every branch needs ``%``, ``&``, ``\\``, ``+``, ``Basic `` or
    a non-ASCII (invisible) character.
    """
    if (
        text.isascii()
        and "%" not in text
        and "&" not in text
        and "+" not in text
        and "\\" not in text
        and "Basic " not in text
    ):
        return False
    return _MAYBE_SEARCH(text) is not None


# A token: entities and escapes count as part of it; quotes, spaces, ?, &, = end it.
_TOKEN = re.compile(r"(?:&#?[A-Za-z0-9]{1,8};|\\u[0-9A-Fa-f]{4}|[^\s\"'<>?&=,;])+")
_MARK = re.compile(
    r"%[0-9A-Fa-f]{2}|&#?[A-Za-z0-9]{1,8};|\\u[0-9A-Fa-f]{4}|\+" + f"|[{_INVISIBLE}]"
)
_DROP = {ord(c): None for c in _INVISIBLE}
_BASIC = re.compile(r"(?<=Basic )[A-Za-z0-9+/]{8,}={0,2}")
_UESC = re.compile(r"\\u([0-9A-Fa-f]{4})")


def _decode(token: str) -> str:
    """Undo every encoding layer of ``token`` (at most three rounds)."""
    for _ in range(3):
        before = token
        token = _UESC.sub(lambda m: chr(int(m.group(1), 16)), token)
        token = html.unescape(token)
        token = unquote_plus(token) if "+" in token else unquote(token)
        token = token.translate(_DROP)
        if token == before:
            break
    return token


def _basic(token: str) -> str:
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (binascii.Error, ValueError):
        return token
    return raw.decode("utf-8", "replace")


def encoded_findings(text: str, detect: Callable[[str], list[Finding]]) -> list[Finding]:
    """Findings of ``detect`` in the decoded view of ``text``, as spans of ``text``.

    Args:
        text: the original text.
        detect: raw detection over a text (no overlap resolution).
    """
    # (orig_start, orig_end, decoded) for every token that decodes to something else
    tokens: list[tuple[int, int, str]] = []
    # No token holds a blank, so tokens after a blank are found alike by a scan
    # starting there; a token with a mark starts past the last blank before the
    # first mark (the mark would be found earlier otherwise).
    first_mark = _MARK.search(text)
    begin = len(text) if first_mark is None else text.rfind(" ", 0, first_mark.start()) + 1
    for m in _TOKEN.finditer(text, begin):
        token = m.group()
        if _MARK.search(token):
            decoded = _decode(token)
            if decoded != token:
                tokens.append((m.start(), m.end(), decoded))
    basic: dict[int, tuple[int, int, str]] = {}
    for m in _BASIC.finditer(text):
        decoded = _basic(m.group())
        if decoded != m.group():
            basic[m.start()] = (m.start(), m.end(), decoded)
    if basic:  # base64 wins over a '+'-decoding of the same token (one pass: linear)
        tokens = [t for t in tokens if t[0] not in basic]
        tokens.extend(basic.values())
    if not tokens:
        return []
    tokens.sort()
    pieces: list[str] = []
    # decoded spans: (dec_start, dec_end, orig_start, orig_end)
    spans: list[tuple[int, int, int, int]] = []
    cursor = 0
    length = 0
    for start, end, decoded in tokens:
        if start < cursor:
            continue
        pieces.append(text[cursor:start])
        length += start - cursor
        spans.append((length, length + len(decoded), start, end))
        pieces.append(decoded)
        length += len(decoded)
        cursor = end
    pieces.append(text[cursor:])
    view = "".join(pieces)
    starts = [ds for ds, _, _, _ in spans]
    out: list[Finding] = []
    for f in detect(view):
        # spans[first:last] are the decoded tokens the finding touches
        first = max(0, bisect_right(starts, f.start) - 1)
        if spans[first][1] <= f.start:
            first += 1
        last = bisect_left(starts, f.end)
        if first >= last:
            continue  # no decoded token in it: the plain text's own scan finds it
        ds, _, os_, _ = spans[first]
        start = os_ if f.start >= ds else _shifted(f.start, spans, first)
        _, de, _, oe = spans[last - 1]
        end = oe if f.end <= de else f.end + oe - de
        out.append(Finding(f.entity, start, max(end, start + 1), f.score, f.detector))
    return out


def _shifted(pos: int, spans: list[tuple[int, int, int, int]], after: int) -> int:
    """``pos`` (before ``spans[after]``, in no token) as an offset of the original text."""
    if after == 0:
        return pos
    _, de, _, oe = spans[after - 1]
    return pos + oe - de
