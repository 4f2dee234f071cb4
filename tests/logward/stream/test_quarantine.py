"""Quarantine messages: sealed payload, readable metadata, tamper evidence."""

from __future__ import annotations

import dataclasses

import pytest

from logward.stream import InRecord, QuarantinedRecord, open_entry, read_entry, seal_record
from logward_base.errors import KeyMaterialError, ParseError
from scrubber import Sealer

SEALER = Sealer(bytes(32))
RAW = InRecord("raw", 3, 42, b"alice@example.com", b"\xff secret", (("h", b"v"),), 1234)


def test_round_trip_restores_raw_record():
    """A quarantined record opens back to exactly the raw record."""
    msg = seal_record(SEALER, QuarantinedRecord(RAW, "ParseError", "not UTF-8"))
    entry = read_entry(msg.value, list(msg.headers))
    assert RAW == open_entry(SEALER, entry)


def test_metadata_in_headers_payload_sealed():
    """Headers carry key id, class, source coordinates; the payload is not readable."""
    msg = seal_record(SEALER, QuarantinedRecord(RAW, "ParseError", "not UTF-8"))
    headers = dict(msg.headers)
    assert SEALER.key_id.encode() == headers["logward-key-id"]
    assert (b"raw", b"3", b"42") == (
        headers["logward-source-topic"],
        headers["logward-source-partition"],
        headers["logward-source-offset"],
    )
    assert b"raw-3-42" == msg.key
    assert b"alice@example.com" not in msg.value
    assert b"secret" not in msg.value


def test_edited_metadata_breaks_the_seal():
    """Moving a payload to other coordinates makes it fail to open."""
    msg = seal_record(SEALER, QuarantinedRecord(RAW, "ParseError", "x"))
    entry = dataclasses.replace(read_entry(msg.value, list(msg.headers)), offset=43)
    with pytest.raises(KeyMaterialError):
        open_entry(SEALER, entry)


def test_other_key_named_in_error():
    """Opening with a different key says which key id was used."""
    msg = seal_record(SEALER, QuarantinedRecord(RAW, "ParseError", "x"))
    entry = read_entry(msg.value, list(msg.headers))
    with pytest.raises(KeyMaterialError, match=SEALER.key_id):
        open_entry(Sealer(b"\x01" * 32), entry)


def test_foreign_message_rejected():
    """A message without quarantine headers is not mistaken for one."""
    with pytest.raises(ParseError):
        read_entry(b"x", [("other", b"1")])


def test_large_record_stays_near_its_size_when_sealed():
    """A large log value is compressed before sealing: no base64 blow-up past broker limits."""
    big = InRecord("raw", 0, 1, None, b"GET /api/users?id=1 200 " * 40_000, ())
    msg = seal_record(SEALER, QuarantinedRecord(big, "ParseError", "too large"))
    assert len(msg.value) < len(big.value or b"")
    assert big == open_entry(SEALER, read_entry(msg.value, list(msg.headers)))


def test_null_value_round_trips():
    """A tombstone stays a tombstone through the quarantine."""
    tomb = InRecord("raw", 0, 2, b"k", None, ())
    msg = seal_record(SEALER, QuarantinedRecord(tomb, "ScrubFailed", "x"))
    assert tomb == open_entry(SEALER, read_entry(msg.value, list(msg.headers)))
