"""Key-name detection: token splitting, longest match, exclusions, key=value in text."""

from __future__ import annotations

import pytest

from detectors import KeyNameMatcher, KeyValueDetector, split_key


@pytest.mark.parametrize(
    ("key", "tokens"),
    [
        ("auth_token", ("auth", "token")),
        ("userEmail", ("user", "email")),
        ("user.email", ("user", "email")),
        ("X-Auth-Token", ("x", "auth", "token")),
        ("HTTPHeader", ("http", "header")),
        ("address_line1", ("address", "line", "1")),
        ("author", ("author",)),
        ("", ()),
    ],
)
def test_split_key(key, tokens):
    """Snake, camel, kebab, dotted and acronym keys split into lowercase words."""
    assert tokens == split_key(key)


@pytest.fixture
def matcher() -> KeyNameMatcher:
    return KeyNameMatcher(
        {
            "token": "SECRET",
            "auth": "SECRET",
            "email": "EMAIL_ADDRESS",
            "name": "PERSON",
            "first_name": "PERSON",
            "file_name": None,
            "address": "STREET_ADDRESS",
            "ip_address": "IP_ADDRESS",
        }
    )


@pytest.mark.parametrize(
    ("key", "entity"),
    [
        ("auth_token", "SECRET"),
        ("authToken", "SECRET"),
        ("author", None),
        ("authority", None),
        ("userEmail", "EMAIL_ADDRESS"),
        ("user.email", "EMAIL_ADDRESS"),
        ("emails", None),
        ("firstName", "PERSON"),
        ("file_name", None),
        ("fileName", None),
        ("filename", None),
        ("hostname", None),
        ("ip_address", "IP_ADDRESS"),
        ("client.ipAddress", "IP_ADDRESS"),
        ("home_address", "STREET_ADDRESS"),
        ("status", None),
    ],
)
def test_matcher_whole_tokens_and_longest_match(matcher, key, entity):
    """Whole tokens only; the longest key name wins; exclusions beat shorter names."""
    assert entity == matcher.entity_for(key)


def test_matcher_caches_answers(matcher):
    """Repeated keys give the same answer (served from the bounded cache)."""
    assert matcher.entity_for("auth_token") == matcher.entity_for("auth_token")
    assert 8 == len(matcher)


def test_key_value_detector_finds_values_in_text(matcher):
    """key=value, key: value, quoted JSON-ish and query-string pairs are found by key."""
    det = KeyValueDetector(matcher)
    text = 'a=1 token=abc123 email: "x y" {"name": "Jo Bo"} ?q=1&auth=zz&page=2'
    found = {(f.entity, text[f.start : f.end]) for f in det.detect(text)}
    assert {
        ("SECRET", "abc123"),
        ("EMAIL_ADDRESS", "x y"),
        ("PERSON", "Jo Bo"),
        ("SECRET", "zz"),
    } == found


def test_key_value_detector_ignores_urls_and_non_pii_keys(matcher):
    """Scheme separators and harmless keys produce nothing."""
    det = KeyValueDetector(matcher)
    assert [] == list(det.detect("see https://example.com/x status=ok author=Jo"))


def test_long_bare_value_under_pii_key_is_removed_whole(matcher):
    """A bare value longer than the scan cap is still redacted to its end."""
    det = KeyValueDetector(matcher)
    text = "token=" + "x" * 5000 + " next"
    found = list(det.detect(text))
    assert [(6, 5006)] == [(f.start, f.end) for f in found]


@pytest.mark.parametrize("quote", ['"', "'"])
def test_long_quoted_value_under_pii_key_is_removed_whole(matcher, quote):
    """A quoted value longer than the scan cap is still redacted to its closing quote."""
    det = KeyValueDetector(matcher)
    text = f"token={quote}{'x' * 5000}{quote} next"
    found = list(det.detect(text))
    assert [(7, 5007)] == [(f.start, f.end) for f in found]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('token="abc123', "abc123"),
        ("token='abc123", "abc123"),
        ('{"token": "abc123', "abc123"),
        ('token="abc\nnext=1', "abc"),
    ],
)
def test_unterminated_quoted_value_is_redacted_to_the_line_end(matcher, text, value):
    """A quoted value missing its closing quote (a cut line) is still found."""
    det = KeyValueDetector(matcher)
    assert [value] == [text[f.start : f.end] for f in det.detect(text)]


@pytest.mark.parametrize("key", ["req-cc2fbe5ad9", "req-4cc650e90e", "trace_0ccaf31b7e"])
def test_hex_ids_are_one_token_not_key_words(key):
    """An opaque hex id is never split into words ("cc" inside it is not a card key)."""
    matcher = KeyNameMatcher({"cc": "CREDIT_CARD"})
    assert None is matcher.entity_for(key)


def test_ip_near_a_version_field_is_still_redacted():
    """A JSON ``version`` field a few fields away does not demote an IP address."""
    import scrubber

    line = '{"msg":"ip 170.37.245.129 verified","order":"ORD786462","version":"v1.13.9"}'
    assert "170.37.245.129" not in scrubber.load_scrubber().scrub_text(line)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("login token=p,ss;w0rd ok", "p,ss;w0rd"),
        ("GET /login?user=bob&auth=a;b)c&next=/", "a;b)c"),
        ("token=abc,def}x end", "abc,def}x"),
    ],
)
def test_bare_secret_runs_to_a_blank_quote_or_ampersand(matcher, text, secret):
    """A bare password or token may hold , ; ) } ]: none of its tail is left."""
    found = [text[f.start : f.end] for f in KeyValueDetector(matcher).detect(text)]
    assert [secret] == found


def test_bare_non_secret_value_still_stops_at_punctuation(matcher):
    """Other PII values keep their separators (``email=a@b.c, next``)."""
    text = "email=a@b.example, next=1"
    assert ["a@b.example"] == [
        text[f.start : f.end] for f in KeyValueDetector(matcher).detect(text)
    ]


def test_shipped_rules_leave_no_tail_of_a_password() -> None:
    """With the shipped rules, ``password=p,ss;w0rd`` loses its whole value."""
    import scrubber

    engine = scrubber.load_scrubber()
    assert "login password=<PASSWORD> ok" == engine.scrub_text("login password=p,ss;w0rd ok")


def test_a_matcher_subclass_overriding_entity_for_is_honoured() -> None:
    """KeyValueDetector asks an overriding entity_for, not the base class's cache."""

    class Stricter(KeyNameMatcher):
        def entity_for(self, key: str) -> str | None:
            return None if key == "email" else super().entity_for(key)

    matcher = Stricter({"email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER"})
    matcher.entity_for("phone")
    KeyNameMatcher.entity_for(matcher, "email")  # the base cache now knows "email"
    found = KeyValueDetector(matcher).detect("email=a@b.example phone=123")
    assert ["PHONE_NUMBER"] == [f.entity for f in found]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("auth=Basic YWxhZGRpbjpvcGVuc2VzYW1l x=1", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
        ("token=bearer 4f9a8b7c6d5e4f3a x=1", "bearer 4f9a8b7c6d5e4f3a"),
        ("auth=NTLM TlRMTVNTUAABAAAAB4IIog== next", "NTLM TlRMTVNTUAABAAAAB4IIog=="),
        (
            'auth=Digest username="svc", response="6629fae4" x=1',
            'Digest username="svc", response="6629fae4"',
        ),
        ("token=basic x=1", "basic"),  # "x=1" is no token68: the value stays one word
        ("token=Basic", "Basic"),
    ],
)
def test_auth_scheme_value_runs_over_its_credential(matcher, text, value):
    """A bare secret value that is an auth scheme word takes the credential after the blank."""
    found = KeyValueDetector(matcher).detect(text)
    assert [value] == [text[f.start : f.end] for f in found]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("token='it''s secret' ok", "it''s secret"),
        ('token="say ""hi"" now" ok', 'say ""hi"" now'),
        ("name='O''Brien' joined", "O''Brien"),
        ("token='a''b''c'", "a''b''c"),
    ],
)
def test_a_doubled_quote_inside_a_quoted_value_is_part_of_it(matcher, text, value):
    """SQL/CSV escaping ('it''s') does not end a quoted value: nothing after it leaks."""
    found = [text[f.start : f.end] for f in KeyValueDetector(matcher).detect(text)]
    assert [value] == found
