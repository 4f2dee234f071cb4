"""Invisible characters (zero-width, word joiner, BOM, soft hyphen) cannot hide a value."""

from __future__ import annotations

import pytest

import scrubber

ZW = "\u200b"


@pytest.fixture(scope="module")
def shipped() -> scrubber.Scrubber:
    """The shipped rules."""
    return scrubber.load_scrubber()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"mail jane{ZW}@example.com ok", "mail <EMAIL_ADDRESS> ok"),
        ("mail jane@exa\u00admple.com ok", "mail <EMAIL_ADDRESS> ok"),
        (f"card 4111{ZW}1111{ZW}1111{ZW}1111 ok", "card <CREDIT_CARD> ok"),
        ("ssn 536-90\u2060-4399", "ssn <US_SSN>"),
        (f"call +44{ZW}7700\ufeff900123", "call <PHONE_NUMBER>"),
        ('{"e": "jane\\u200b@example.com"}', '{"e": "<EMAIL_ADDRESS>"}'),
    ],
)
def test_value_split_by_invisible_characters_is_redacted(shipped, line, expected):
    """The whole value, invisible characters included, is replaced."""
    assert expected == shipped.scrub_text(line)


def test_invisible_characters_alone_change_nothing(shipped):
    """Text with a zero-width space and no PII comes out unchanged."""
    assert f"hello{ZW}world, 12 items" == shipped.scrub_text(f"hello{ZW}world, 12 items")
