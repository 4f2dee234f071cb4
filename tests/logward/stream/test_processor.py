"""The processor: shapes kept, everything scrubbed, failures quarantined (fail closed)."""

from __future__ import annotations

import json

import pytest

from logward.stream import REDACTIONS_HEADER, CleanRecord, InRecord, Processor, QuarantinedRecord
from tests.logward.stream._helpers import assert_no_pii, make_scrubber


def rec(value, key=None, headers=(), offset=0, ts=1_700_000_000_123):
    return InRecord("raw", 0, offset, key, value, tuple(headers), ts)


@pytest.fixture
def processor():
    return Processor(make_scrubber(), max_record_bytes=1000)


def test_text_record_scrubbed_with_counts(processor):
    """Plain text is scrubbed and the redaction header counts entity types only."""
    [out] = processor.process([rec(b"login alice@example.com +44 20 7946 0958")])
    assert isinstance(out, CleanRecord)
    assert b"login <EMAIL_ADDRESS> <PHONE_NUMBER>" == out.value
    assert (REDACTIONS_HEADER, b'{"EMAIL_ADDRESS":1,"PHONE_NUMBER":1}') == out.headers[-2]
    assert ("logward-source", b"raw-0-0") == out.headers[-1]
    assert {"EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1} == out.document["logward"]["redactions"]


def test_json_keeps_shape(processor):
    """JSON keeps its structure and non-string values; every string is scrubbed."""
    value = {"user": {"mail": "alice@example.com", "id": 7}, "tags": ["bob.smith@corp.example"]}
    [out] = processor.process([rec(json.dumps(value).encode())])
    assert isinstance(out, CleanRecord)
    assert {"user": {"mail": "<EMAIL_ADDRESS>", "id": 7}, "tags": ["<EMAIL_ADDRESS>"]} == (
        json.loads(out.value or b"")
    )
    assert 7 == out.document["user"]["id"]


def test_key_and_headers_scrubbed(processor):
    """Message keys and header values are scrubbed too; header names are kept."""
    [out] = processor.process(
        [rec(b"x", key=b"alice@example.com", headers=[("contact", b"+44 20 7946 0958")])]
    )
    assert isinstance(out, CleanRecord)
    assert b"<EMAIL_ADDRESS>" == out.key
    assert ("contact", b"<PHONE_NUMBER>") == out.headers[0]
    assert_no_pii(json.dumps(out.document))


def test_timestamp_kept_in_document(processor):
    """The Kafka timestamp becomes @timestamp when the record has none."""
    [out] = processor.process([rec(b"hello")])
    assert "2023-11-14T22:13:20.123Z" == out.document["@timestamp"]


def test_incoming_redaction_header_replaced(processor):
    """A forged logward-redactions header on input is dropped and recomputed."""
    [out] = processor.process([rec(b"hi", headers=[(REDACTIONS_HEADER, b"forged")])])
    assert [(REDACTIONS_HEADER, b"{}"), ("logward-source", b"raw-0-0")] == list(out.headers)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (b"\xff\xfe caf\xe9", "not valid UTF-8"),
        (b'{"broken": ', "does not parse"),
        (b"x" * 1001, "exceeds"),
    ],
)
def test_unparseable_records_quarantined(processor, value, needle):
    """Invalid UTF-8, malformed JSON and oversized records are quarantined, never output."""
    [out] = processor.process([rec(value)])
    assert isinstance(out, QuarantinedRecord)
    assert "ParseError" == out.error_class
    assert needle in out.message


def test_binary_header_quarantined(processor):
    """A header value that is not UTF-8 cannot be checked, so the record is quarantined."""
    [out] = processor.process([rec(b"ok", headers=[("bin", b"\xff")])])
    assert isinstance(out, QuarantinedRecord)


def test_rule_failure_quarantines_whole_record(processor):
    """An engine failure on any part quarantines the whole record (nothing partial)."""
    outs = processor.process([rec(b"fine"), rec(b"BOOM-RULE alice@example.com", offset=1)])
    assert [CleanRecord, QuarantinedRecord] == [type(o) for o in outs]
    assert "ScrubFailed" == outs[1].error_class
    assert_no_pii(outs[1].message)


def test_order_preserved_with_mixed_outcomes(processor):
    """Outcomes come back in input order."""
    records = [rec(b"\xff", offset=0), rec(b"a", offset=1), rec(b"{", offset=2)]
    assert [0, 1, 2] == [o.source.offset for o in processor.process(records)]


def test_batched_mode_matches_inline():
    """The NER-style batched path gives the same output and counts as the inline path."""
    records = [
        rec(b"mail alice@example.com", key=b"bob.smith@corp.example", offset=0),
        rec(b'{"a": "+44 20 7946 0958"}', offset=1),
        rec(b"plain", headers=[("h", b"alice@example.com")], offset=2),
    ]
    inline = Processor(make_scrubber()).process(records)
    batched = Processor(make_scrubber(), batch_texts=True).process(records)
    assert all(isinstance(o, CleanRecord) for o in inline + batched)
    assert [(o.value, o.key, o.headers, o.counts) for o in inline] == [  # type: ignore[union-attr]
        (o.value, o.key, o.headers, o.counts)  # type: ignore[union-attr]
        for o in batched
    ]


def test_null_value_passes_as_empty(processor):
    """A tombstone (null value) stays null with an empty document message."""
    [out] = processor.process([rec(None, key=b"k")])
    assert isinstance(out, CleanRecord)
    assert out.value is None
