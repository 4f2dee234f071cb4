"""``inspect_quarantine`` output: audited reveals only, no terminal escapes from headers."""

from __future__ import annotations

import pytest

from logward.stream import InRecord, QuarantinedRecord, inspect_quarantine, read_entry, seal_record
from logward_base.errors import ConfigError
from scrubber import Sealer

SEALER = Sealer(bytes(32))


def entry(error: bytes = b"ParseError: bad"):
    raw = InRecord("raw", 0, 7, None, b"alice@example.com", (), 1)
    msg = seal_record(SEALER, QuarantinedRecord(raw, "ParseError", "bad"))
    headers = [(n, error if n == "logward-error" else v) for n, v in msg.headers]
    return read_entry(msg.value, headers)


def test_reveal_without_audit_refused():
    """Payloads are never revealed unless the reveal can be written to the audit log."""
    lines: list[str] = []
    with pytest.raises(ConfigError, match="audit"):
        inspect_quarantine([entry()], SEALER, reveal_reason="INC-1", out=lines.append)
    assert [] == [line for line in lines if "alice@example.com" in line]


def test_reveal_with_audit_prints_payload():
    """With an audit callable the reveal is recorded first, then printed."""
    calls: list[str] = []
    lines: list[str] = []
    inspect_quarantine(
        [entry()],
        SEALER,
        reveal_reason="INC-1",
        audit=lambda reason, _detail: calls.append(reason),
        out=lines.append,
    )
    assert ["INC-1"] == calls
    assert any("alice@example.com" in line for line in lines)


def test_control_characters_in_headers_are_escaped():
    """Terminal escape sequences planted in quarantine headers are printed escaped."""
    lines: list[str] = []
    inspect_quarantine([entry(b"\x1b]0;pwned\x07\x1b[2J")], SEALER, out=lines.append)
    assert [] == [line for line in lines if "\x1b" in line or "\x07" in line]
    assert any("\\x1b]0;pwned\\x07" in line for line in lines)
