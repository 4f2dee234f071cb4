"""Look-alike spaces, digits and punctuation do not hide PII from the detectors."""

from __future__ import annotations

import pytest

from scrubber import fold_for_detection, load_scrubber


@pytest.fixture(scope="module")
def shipped():
    return load_scrubber()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111\u00a01111\u00a01111\u00a01111 ok", "card <CREDIT_CARD> ok"),
        ("tel +33\u202f6\u202f12\u202f34\u202f56\u202f78", "tel <PHONE_NUMBER>"),
        ("iban GB82\u00a0WEST\u00a01234\u00a05698\u00a07654\u00a032", "iban <IBAN_CODE>"),
        ("card 4111\u22121111\u22121111\u22121111", "card <CREDIT_CARD>"),
        ("mail \uff41\uff4c\uff49\uff43\uff45\uff20example.com", "mail <EMAIL_ADDRESS>"),
        ("ssn \uff10\uff17\uff18-\uff10\uff15-\uff11\uff11\uff12\uff10", "ssn <US_SSN>"),
    ],
)
def test_look_alike_characters_are_found_and_replaced_in_the_original(shipped, text, expected):
    """Numbers with non-breaking/thin spaces or fullwidth forms are redacted whole."""
    assert expected == shipped.scrub_text(text)


def test_folding_keeps_length_and_leaves_ascii_alone():
    """The folded copy has the same length; ASCII text comes back as the same object."""
    text = "caf\u00e9 \uff11\uff12\u00a0\u202f\u2013x"
    folded = fold_for_detection(text)
    assert len(text) == len(folded)
    assert "caf\u00e9 12  -x" == folded
    ascii_text = "plain ascii 123"
    assert fold_for_detection(ascii_text) is ascii_text


def test_text_without_pii_keeps_its_original_characters(shipped):
    """Only findings are replaced: other look-alike characters stay as they were."""
    text = "total\u00a0: 12\u202f€ \u2013 merci"
    assert text == shipped.scrub_text(text)
