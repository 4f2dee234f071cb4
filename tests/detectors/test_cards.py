"""Cards: any Luhn-valid number next to a card word; the brand table without one."""

from __future__ import annotations

import pytest

from detectors import VALIDATORS


def _with_check_digit(body: str) -> str:
    """``body`` plus the digit that makes it Luhn-valid."""
    return next(body + d for d in "0123456789" if VALIDATORS["luhn"](body + d))


def test_unknown_prefix_is_a_card_after_a_card_word(shipped):
    """A Luhn-valid number of no known brand is redacted next to "card"."""
    number = _with_check_digit("700012345678901")
    assert "charged card <CREDIT_CARD> ok" == shipped.scrub_text(f"charged card {number} ok")


def test_unknown_prefix_without_context_is_kept(shipped):
    """The same number with no card word nearby is left alone."""
    number = _with_check_digit("700012345678901")
    assert f"ref {number} ok" == shipped.scrub_text(f"ref {number} ok")


@pytest.mark.parametrize(
    "body",
    ["18001234567890", "21311234567890", "979212345678901", "220412345678901", "62123456789012345"],
)
def test_brand_table_knows_current_ranges(body):
    """JCB 15-digit (1800, 2131), Troy, Mir and UnionPay numbers have a known brand."""
    assert VALIDATORS["card_brand"](_with_check_digit(body))
