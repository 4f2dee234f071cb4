"""The processor on hostile input: never raises, never leaks, never silently drops data."""

from __future__ import annotations

import json

import pytest

from logward.stream import (
    CleanRecord,
    InRecord,
    Processor,
    QuarantinedRecord,
    open_entry,
    read_entry,
    seal_record,
)
from scrubber import Sealer
from tests.logward.stream._helpers import assert_no_pii, make_scrubber


def rec(value, key=None, headers=()):
    return InRecord("raw", 0, 5, key, value, tuple(headers), 1_700_000_000_000)


@pytest.fixture
def processor():
    return Processor(make_scrubber(), max_record_bytes=100_000)


def test_huge_json_integer_is_quarantined_not_raised(processor):
    """A JSON integer over Python's 4300-digit limit is a ParseError, not a crash."""
    [out] = processor.process([rec(b"[" + b"7" * 5000 + b"]")])
    assert isinstance(out, QuarantinedRecord)
    assert "ParseError" == out.error_class
    assert "7777" not in out.message


def test_huge_json_integer_does_not_stop_the_batch(processor):
    """The records around a poison number are still processed, in order."""
    outs = processor.process([rec(b"a"), rec(b'{"n":' + b"1" * 5000 + b"}"), rec(b"b")])
    assert [CleanRecord, QuarantinedRecord, CleanRecord] == [type(o) for o in outs]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_json_numbers_are_quarantined(processor, literal):
    """NaN/Infinity (not JSON) are quarantined instead of written out as invalid JSON."""
    [out] = processor.process([rec(b'{"x":' + literal + b"}")])
    assert isinstance(out, QuarantinedRecord)
    assert "ParseError" == out.error_class


def test_header_names_are_scrubbed(processor):
    """PII in a header *name* never reaches the output; clean names are kept."""
    [out] = processor.process(
        [rec(b"x", headers=[("alice@example.com", b"v"), ("trace", b"bob.smith@corp.example")])]
    )
    assert isinstance(out, CleanRecord)
    assert [("<EMAIL_ADDRESS>", b"v"), ("trace", b"<EMAIL_ADDRESS>")] == list(out.headers[:2])
    assert 2 == out.counts["EMAIL_ADDRESS"]
    for name, data in out.headers:
        assert_no_pii(name)
        assert_no_pii(data)


def test_header_names_are_scrubbed_in_batched_mode():
    """Batched (NER) mode scrubs header names too."""
    processor = Processor(make_scrubber(), batch_texts=True)
    [out] = processor.process([rec(b"x", headers=[("alice@example.com", b"v")])])
    assert isinstance(out, CleanRecord)
    assert ("<EMAIL_ADDRESS>", b"v") == out.headers[0]


def test_json_deeper_than_depth_limit_is_quarantined_whole(processor):
    """JSON past the policy's max_depth is sealed whole, not written with content cut off."""
    nested: object = "alice@example.com"
    for _ in range(40):
        nested = [nested]
    raw = json.dumps({"a": nested}).encode()
    [out] = processor.process([rec(raw)])
    assert isinstance(out, QuarantinedRecord)
    assert "ParseError" == out.error_class
    sealer = Sealer(bytes(32))
    msg = seal_record(sealer, out)
    assert raw == open_entry(sealer, read_entry(msg.value, msg.headers)).value


def test_json_within_depth_limit_stays_clean(processor):
    """Ordinary nesting is not affected by the depth check."""
    [out] = processor.process([rec(b'{"a":{"b":[{"c":"alice@example.com"}]}}')])
    assert isinstance(out, CleanRecord)
    assert b'{"a":{"b":[{"c":"<EMAIL_ADDRESS>"}]}}' == out.value
