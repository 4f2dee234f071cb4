"""Short and dotted local numbers after a phone word; context windows that cut words."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("you can reach me at 712345, thanks!", "712345"),
        ("cannot store phone '312345'", "312345"),
        ("batch import phones: 40123; skipped: 1", "40123"),
        ("mobile '22123' saved", "22123"),
        ("updated phone 312.345 for account 14959", "312.345"),
        ("tel.: 72.12345 ok", "72.12345"),
        ("call me on 9876 5432", "9876 5432"),
    ],
)
def test_short_local_numbers_after_a_phone_word_are_redacted(shipped, line, number):
    """A 5-8 digit number right after a phone word is redacted whole."""
    out = shipped.scrub_text(line)
    assert number not in out
    assert "<PHONE_NUMBER>" in out


@pytest.mark.parametrize(
    "line",
    [
        "number of retries 12345",
        "call took 12345 ms",
        "order number 123456 shipped",
        "phone verified at 2026-12-04 10:00",
        "call_id=12345 done",
        "phone latency 730.84",
    ],
)
def test_other_numbers_near_phone_words_are_kept(shipped, line):
    """Counts, durations, order numbers, dates and decimals stay."""
    assert line == shipped.scrub_text(line)


def test_a_context_word_cut_by_the_window_does_not_count(shipped):
    """'payments' seen through a window starting at 'ts' is no negative word."""
    line = "ERROR payments updated call 22201234 for account 46083"
    assert "22201234" not in shipped.scrub_text(line)


def test_ipv4_negative_words_count_only_before_the_address(shipped):
    """A 'build' word in the next field does not keep an address."""
    line = "2026-12-04\t6660\tupdate\t163.214.106.12\tok\tbuild 6.24.11"
    out = shipped.scrub_text(line)
    assert "163.214.106.12" not in out
    assert "build 6.24.11" in out


def test_dotted_numbers_that_are_no_ip_address_are_phones(shipped):
    """020.23.123.456 (a leading zero: no IPv4 address) is a phone number."""
    out = shipped.scrub_text("call 020.23.123.456 now")
    assert "<PHONE_NUMBER>" in out
    assert not any(c.isdigit() for c in out)


@pytest.mark.parametrize("line", ["ph:612.345.678", "cell:0612 34 56 78"])
def test_numbers_glued_after_a_colon_are_phones(shipped, line):
    """A label glued with ':' does not hide the number (times after a digit still do)."""
    out = shipped.scrub_text(line)
    assert "<PHONE_NUMBER>" in out
    assert not any(c.isdigit() for c in out)


def test_times_with_fractions_are_kept(shipped):
    """10:23:45.123456 is a time, not a number after a label."""
    assert "at 10:23:45.123456 done" == shipped.scrub_text("at 10:23:45.123456 done")
