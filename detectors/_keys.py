"""Key-name detection: decide from a key alone that its value is PII.

Keys are split into lowercase word tokens (snake_case, camelCase, kebab-case,
dotted paths, header names), and a key name from the rules matches when its
tokens occur as a contiguous run in the key's tokens: ``auth_token`` and
``X-Auth-Token`` match ``token``; ``author`` does not match ``auth``. The longest
matching key name wins, so ``ip_address`` (IP_ADDRESS) beats ``address``
(STREET_ADDRESS), and excluded names (``file_name``) beat ``name``.

:class:`KeyValueDetector` applies the same matcher to ``key=value`` and
``key: value`` pairs inside free text (logfmt, query strings, JSON-ish text).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping

from mypy_extensions import mypyc_attr

from detectors._base import Finding

__all__ = ["AUTH_SCHEMES", "KeyNameMatcher", "KeyValueDetector", "split_key"]

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# An opaque id such as ``req-cc2fbe5ad9`` or ``4cc650e90e``: hex letters mixed with
# digits are one token, never words (else "cc" in it would read as a card key).
_SEGMENTS = re.compile(r"[A-Za-z0-9]+")
_HEX_ID = re.compile(r"(?=[a-fA-F]*\d)(?=\d*[a-fA-F])[0-9a-fA-F]{6,}")
_CACHE_LIMIT = 4096
# Verdicts kept by the free-text scan: log lines bring many one-off "keys" (hex
# groups, ``sshd[123]``), so more of them than the matcher keeps, still bounded.
_SCAN_CACHE_LIMIT = 16384
# Bare values are read at most this far in the scan (keeps the work per pair
# small on adversarial input); PII values that reach the cap are extended.
_BARE_CAP = 256


def split_key(key: str) -> tuple[str, ...]:
    """Split a key name into lowercase word tokens.

    Examples: ``userEmail`` → ``("user", "email")``; ``X-Auth-Token`` →
    ``("x", "auth", "token")``; ``HTTPHeader`` → ``("http", "header")``.
    """
    words: list[str] = []
    for segment in _SEGMENTS.findall(key):
        if _HEX_ID.fullmatch(segment):
            words.append(segment.lower())
        else:
            words.extend(w.lower() for w in _WORDS.findall(segment))
    return tuple(words)


def _past_doubled_quotes(text: str, end: int, group: str) -> int:
    """Where a quoted value ending at ``end`` really ends: a doubled quote inside it
    (SQL and CSV escaping: ``'it''s'``, or ``""`` in double quotes) is part of it."""
    quote = "'" if group == "sq" else '"'
    pair = quote * 2
    while text.startswith(pair, end):
        rest = _QUOTED_REST[group].match(text, end + 2)
        end = end + 2 if rest is None else rest.end()
    return end


@mypyc_attr(allow_interpreted_subclasses=True)
class KeyNameMatcher:
    """Maps key names to the entity their values hold (or to ``None``: not PII).

    Args:
        names: key name → entity, or ``None`` for an explicit exclusion.
            Names are split with :func:`split_key`, so ``first_name``,
            ``firstName`` and ``first-name`` are the same entry.

    Results are cached per distinct key (bounded), so repeated keys cost one
    dictionary lookup.
    """

    def __init__(self, names: Mapping[str, str | None]) -> None:
        entries: dict[tuple[str, ...], str | None] = {}
        for name, entity in names.items():
            tokens = split_key(name)
            if tokens:
                entries[tokens] = entity
        self._entries = entries
        self._lengths = sorted({len(t) for t in entries}, reverse=True)
        self._cache: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entities(self) -> frozenset[str]:
        """Every entity some key name maps to."""
        return frozenset(e for e in self._entries.values() if e is not None)

    def entity_for(self, key: str) -> str | None:
        """Return the entity of values under ``key``, or ``None`` if it is not a PII key."""
        cached = self._cache.get(key, self)
        if cached is not self:
            return cached  # type: ignore[return-value]
        result = self._lookup(split_key(key))
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = result
        return result

    def _lookup(self, tokens: tuple[str, ...]) -> str | None:
        entries = self._entries
        for length in self._lengths:
            for i in range(len(tokens) - length + 1):
                window = tokens[i : i + length]
                if window in entries:
                    return entries[window]
        return None


# A key (optionally quoted), ``=`` or ``:``, then a quoted or bare value.
# Keys start after a non-word character so ``x=1`` inside a word is not a pair.
_PAIR = re.compile(
    r"""(?<![A-Za-z0-9_.\-\[\]])["']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63})["']?"""
    r"""[ \t]{0,3}(?:=|:(?!//))[ \t]{0,3}"""
    # The value is read in a lookahead, so a pair inside it ("note: a=b") is found too.
    # A quoted value runs to its closing quote, or to the end of the line when that
    # is missing (a cut line); past the cap it is followed to its end.
    r"""(?=(?:"(?P<dq>(?:[^"\\\n]|\\.){0,4096})|'(?P<sq>[^'\n]{0,4096})"""
    r"""|(?P<bare>[^\s"',;&}\]\[)]{1,""" + str(_BARE_CAP) + "})))"
)
# Where a bare value ends; a PII value longer than the cap is followed to its end.
_BARE_END = re.compile(r"""[\s"',;&}\]\[)]""")
# A bare secret (``password=p,ss;w0rd``) may hold any of those: it runs to a blank,
# a quote or ``&`` (the next query parameter). Failing closed costs a little
# over-redaction (``password=x;user=bob`` takes ``user=bob`` too).
_SECRET_ENTITIES = frozenset({"PASSWORD", "SECRET"})
_SECRET_END = re.compile(r"""[\s"'&]""")
# A bare credential value that is an HTTP authentication scheme word
# (``secret=Basic YWxh...``) would stop at the blank before the credential: the
# value runs on over it, a token68 (RFC 9110) or, for schemes that take them,
# ``k=v, k="v"`` parameters (``Digest username="svc", response="..."``).
_CREDENTIAL_ENTITIES = _SECRET_ENTITIES | {"AUTH_TOKEN"}
_PARAM_SCHEMES = frozenset(
    {
        "aws4-hmac-sha256", "concealed", "digest", "hmac", "hoba", "mutual", "oauth",
        "privatetoken", "scram-sha-1", "scram-sha-256", "vapid",
    }
)  # fmt: skip
AUTH_SCHEMES = _PARAM_SCHEMES | {  # the IANA registry's schemes, and common unregistered ones
    "apikey", "basic", "bearer", "dpop", "gnap", "negotiate", "ntlm", "token",
}  # fmt: skip
_TOKEN68 = re.compile(r"""[ \t]+[A-Za-z0-9\-._~+/]+=*(?![^\s"'&,;])""")
_PARAM = r"""[A-Za-z0-9_\-]+[ \t]*=[ \t]*(?:"(?:[^"\\\n]|\\.)*"?|[^\s",]*)"""
_PARAMS = re.compile(rf"""[ \t]+{_PARAM}(?:[ \t]*,[ \t]*{_PARAM})*""")
# The rest of a quoted value longer than the cap (empty when it was read whole).
_QUOTED_REST = {"dq": re.compile(r'(?:[^"\\\n]|\\.)*'), "sq": re.compile(r"[^'\n]*")}
# The cheap first pass, on the reversed text: a separator, blanks, a quote, then a
# whole run of key characters (at most 64) that starts (read forwards) with a letter
# or "_". Every key _PAIR matches is such a run, so texts without one are skipped.
# The run is taken whole at once (possessive): a shorter one could never be whole.
_REVERSED_KEY = re.compile(
    r"""[=:][ \t]{0,3}["']?([A-Za-z0-9_.\-\[\]]{1,64}+)(?![A-Za-z0-9_.\-\[\]])(?<=[A-Za-z_])"""
)


def _verdicts(matcher: KeyNameMatcher) -> dict[str, str | None]:
    """``entity_for``'s cache, to read without a call; empty for a subclass that
    overrides ``entity_for`` (every key then goes through its override)."""
    if type(matcher).entity_for is KeyNameMatcher.entity_for:
        return matcher._cache
    return {}


@mypyc_attr(allow_interpreted_subclasses=True)
class KeyValueDetector:
    """Finds values of ``key=value`` / ``key: value`` pairs whose key names PII.

    Args:
        matcher: decides which keys hold PII.
        score: score of every finding.
        name: detector name recorded on findings.
    """

    def __init__(
        self, matcher: KeyNameMatcher, score: float = 0.9, name: str = "key_value"
    ) -> None:
        self._matcher = matcher
        self._score = score
        self._name = name
        # verdicts by reversed key, as the first pass reads them (no reversal, no
        # call); only for the plain matcher, whose verdicts never change
        self._reversed: dict[str, str | None] | None = (
            {} if type(matcher).entity_for is KeyNameMatcher.entity_for else None
        )

    @property
    def name(self) -> str:
        """The detector name."""
        return self._name

    @property
    def trigger(self) -> str:
        """A regex found in every text this detector finds anything in (a separator):
        the scrubber's gate skips the call on texts without one."""
        return "[=:]"

    def detect(self, text: str) -> list[Finding]:
        """Return one finding per value whose key the matcher recognises."""
        starts = self._pii_key_starts(text)
        return list(self._pairs(text, starts)) if starts else []

    def _pairs(self, text: str, key_starts: list[int]) -> Iterator[Finding]:
        entity_for = self._matcher.entity_for
        cache = _verdicts(self._matcher)
        covered = 0  # end of the last value redacted: pairs inside it are part of it
        # The pair regex is tried only where a PII key starts (or at its opening
        # quote), in order: a scan of the whole text finds no other PII pair, and
        # none of its other matches can overlap one (a key is a whole run).
        for key_start in key_starts:
            match = None
            if key_start and text[key_start - 1] in "\"'":
                match = _PAIR.match(text, key_start - 1)
            if match is None:
                match = _PAIR.match(text, key_start)
            if match is None or match.start() < covered:
                continue
            key = match.group("key")
            try:
                entity = cache[key]  # entity_for's own cache, read without a call
            except KeyError:
                entity = entity_for(key)
            if entity is None:
                continue
            for group in ("dq", "sq", "bare"):
                start, end = match.span(group)
                if end > start:
                    if group != "bare":
                        rest = _QUOTED_REST[group].match(text, end)
                        end = end if rest is None else rest.end()
                        end = _past_doubled_quotes(text, end, group)
                    elif entity in _SECRET_ENTITIES:
                        stop = _SECRET_END.search(text, end)
                        end = len(text) if stop is None else stop.start()
                    elif end - start == _BARE_CAP:
                        stop = _BARE_END.search(text, end)
                        end = len(text) if stop is None else stop.start()
                    if group == "bare" and entity in _CREDENTIAL_ENTITIES:
                        end = _past_credential(text, start, end)
                    covered = end
                    yield Finding(entity, start, end, self._score, self._name)
                    break

    def _pii_key_starts(self, text: str) -> list[int]:
        """Where PII key names followed by ``=``/``:`` start, ascending (a cheap pass).

        A key in ``_PAIR`` is a whole run of key characters (what precedes it is
        not one, nor is the quote, blank or separator after it), at most 64 long,
        so reading backwards from each separator finds every key it can match.
        """
        if "=" not in text and ":" not in text:
            return []
        entity_for = self._matcher.entity_for
        verdicts = self._reversed
        size = len(text)
        starts: list[int] = []
        for found in _REVERSED_KEY.finditer(text[::-1]):
            reversed_key = found[1]
            try:
                entity = verdicts[reversed_key]  # type: ignore[index]
            except (KeyError, TypeError):  # not seen yet, or no cache (None)
                entity = entity_for(reversed_key[::-1])
                if verdicts is not None:
                    if len(verdicts) >= _SCAN_CACHE_LIMIT:
                        verdicts.clear()  # atomic: threads need no lock
                    verdicts[reversed_key] = entity
            if entity is not None:
                starts.append(size - found.end(1))
        starts.reverse()  # found right to left
        return starts


def _past_credential(text: str, start: int, end: int) -> int:
    """Where a bare credential value ends: past the credential after a scheme word."""
    scheme = text[start:end].lower()
    if scheme not in AUTH_SCHEMES:
        return end
    credential = _PARAMS.match(text, end) if scheme in _PARAM_SCHEMES else None
    if credential is None:
        credential = _TOKEN68.match(text, end)
    return end if credential is None else credential.end()
