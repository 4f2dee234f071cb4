"""The cheap gates in front of the detectors change nothing but their speed."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import (
    Finding,
    KeyNameMatcher,
    KeyValueDetector,
    PatternDetector,
    ScanGroupDetector,
    context_regex,
    context_test,
    load_rules,
)
from logward_base.paths import rules_dir

_LOADED = load_rules(rules_dir())
_MATCHER = KeyNameMatcher(_LOADED.key_names)

# The reference's own copy of the key=value grammar (``detectors/_keys.py``): one
# scan of the whole text, no first pass. A change to the grammar changes both.
_BARE_CAP = 256
_PAIR = re.compile(
    r"""(?<![A-Za-z0-9_.\-\[\]])["']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63})["']?"""
    r"""[ \t]{0,3}(?:=|:(?!//))[ \t]{0,3}"""
    r"""(?=(?:"(?P<dq>(?:[^"\\\n]|\\.){0,4096})|'(?P<sq>[^'\n]{0,4096})"""
    r"""|(?P<bare>[^\s"',;&}\]\[)]{1,""" + str(_BARE_CAP) + "})))"
)
_BARE_END = re.compile(r"""[\s"',;&}\]\[)]""")
_DOUBLED = {"dq": re.compile(r'(?:""(?:[^"\\\n]|\\.)*)*'), "sq": re.compile(r"(?:''[^'\n]*)*")}
_SECRET_ENTITIES = frozenset({"PASSWORD", "SECRET"})
_SECRET_END = re.compile(r"""[\s"'&]""")
_SCHEMES = frozenset({"basic", "bearer", "apikey", "dpop", "gnap", "negotiate", "ntlm", "token"})
_PARAM_SCHEMES = frozenset(
    {
        "aws4-hmac-sha256", "concealed", "digest", "hmac", "hoba", "mutual", "oauth",
        "privatetoken", "scram-sha-1", "scram-sha-256", "vapid",
    }
)  # fmt: skip
_TOKEN68 = re.compile(r"""[ \t]+[A-Za-z0-9\-._~+/]+=*(?![^\s"'&,;])""")
_PARAM = r"""[A-Za-z0-9_\-]+[ \t]*=[ \t]*(?:"(?:[^"\\\n]|\\.)*"?|[^\s",]*)"""
_PARAMS = re.compile(rf"""[ \t]+{_PARAM}(?:[ \t]*,[ \t]*{_PARAM})*""")


def _credential_end(text: str, start: int, end: int) -> int:
    """Past the credential after an auth scheme word (``secret=Basic YWxh...``)."""
    scheme = text[start:end].lower()
    found = _PARAMS.match(text, end) if scheme in _PARAM_SCHEMES else None
    if found is None and scheme in _SCHEMES | _PARAM_SCHEMES:
        found = _TOKEN68.match(text, end)
    return end if found is None else found.end()


def _reference_key_values(matcher: KeyNameMatcher, text: str) -> list[Finding]:
    """The key=value findings of one scan of the whole text (the original algorithm)."""
    found: list[Finding] = []
    covered = 0
    for match in _PAIR.finditer(text):
        if match.start() < covered:
            continue
        entity = matcher.entity_for(match.group("key"))
        if entity is None:
            continue
        for group in ("dq", "sq", "bare"):
            start, end = match.span(group)
            if end > start:
                if group != "bare":  # a doubled quote (SQL/CSV escaping) does not end it
                    end = _DOUBLED[group].match(text, end).end()  # type: ignore[union-attr]
                if group == "bare" and entity in _SECRET_ENTITIES:
                    stop = _SECRET_END.search(text, end)
                    end = len(text) if stop is None else stop.start()
                elif group == "bare" and end - start == _BARE_CAP:
                    stop = _BARE_END.search(text, end)
                    end = len(text) if stop is None else stop.start()
                if group == "bare" and entity in _SECRET_ENTITIES | {"AUTH_TOKEN"}:
                    end = _credential_end(text, start, end)
                covered = end
                found.append(Finding(entity, start, end, 0.9, "key_value"))
                break
    return found


_KV_PIECES = st.sampled_from(
    [
        "password",
        "passwd",
        "userEmail",
        "X-Auth-Token",
        "author",
        "file_name",
        "ip_address",
        "name",
        "first-name",
        "ts",
        "2026-05-19T20:13:54",
        "=",
        ":",
        "://",
        " ",
        "\t",
        '"',
        "'",
        "secret",
        "hunter2",
        "Basic",
        "bearer",
        "Digest",
        "YWxh==",
        'u="x"',
        ", ",
        "a.b",
        "[0]",
        "_",
        "-",
        ",",
        "&",
        "?",
        "x" * 70,
        "x" * 250,
        "\\",
        ";",
        "}",
        "a=",
        '"pin":',
        "'ssn' =",
        "é",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_KV_PIECES, max_size=16))
def test_key_value_first_pass_finds_every_pii_key(pieces):
    """Matching only at PII key starts finds what one scan of the whole text finds."""
    text = "".join(pieces)
    assert _reference_key_values(_MATCHER, text) == list(KeyValueDetector(_MATCHER).detect(text))


def test_key_value_first_pass_skips_texts_without_pii_keys():
    """Separators after non-PII keys (timestamps, ports) skip the full pair scan."""
    detector = KeyValueDetector(_MATCHER)
    assert [] == detector._pii_key_starts("2026-05-19T20:13:54Z GET /health host:8080 status=200")
    assert [9, 39] == detector._pii_key_starts("login ok user_email = bob@example.com, pin=1")
    assert [2] == detector._pii_key_starts('{"Password": "x"}')


_WORDS = ["version", "ver", "build", "ssn", "ss", "tin", "a-b", "x.y", "straße", "İd"]
_CONTEXT_PIECES = st.sampled_from(
    [
        *_WORDS,
        *(w.upper() for w in _WORDS),
        " ",
        "_",
        "-",
        ".",
        "1",
        "a",
        "\u017f",
        "\u212a",
        "\u00df",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_CONTEXT_PIECES, max_size=10))
def test_context_test_agrees_with_context_regex(pieces):
    """The fast context test is true exactly where context_regex finds a word."""
    text = "".join(pieces)
    slow, fast = context_regex(_WORDS), context_test(_WORDS)
    assert slow is not None
    assert fast is not None
    assert bool(slow.search(text)) == bool(fast.search(text)), text


def test_scan_groups_equal_members_on_the_labelled_corpus():
    """On the evaluation corpus, each shipped group finds exactly what its rules find alone."""
    from bench.corpus import generate

    groups: dict[str, list[PatternDetector]] = {}
    for rule in _LOADED.patterns:
        if rule.scan_group:
            groups.setdefault(rule.scan_group, []).append(PatternDetector(rule))
    texts = [line.text for line in generate(1500, seed=11)]
    assert texts
    for name, members in groups.items():
        group = ScanGroupDetector(name, members)
        for text in texts:
            alone = sorted(
                (f.entity, f.start, f.end, f.score) for m in members for f in m.detect(text)
            )
            together = sorted((f.entity, f.start, f.end, f.score) for f in group.detect(text))
            assert alone == together, (name, text)
