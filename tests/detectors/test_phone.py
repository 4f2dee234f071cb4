"""Phones judged with libphonenumber's metadata (rules/pii/phone.yaml)."""

from __future__ import annotations

import pytest

from scrubber import load_scrubber


@pytest.mark.parametrize(
    "line",
    [
        "call me on 9876 5432",
        "tel 612 345 678 ok",
        "tel (21) 555-0199 ok",
        "mobile 0612 34 56 78",
        "office 21 234 567 8901",
        "number +55 11 96123-4567",
        "fax 030/12345678",
    ],
)
def test_phone_forms_are_redacted_whole(shipped, line):
    """National and international forms lose every digit group, brackets included."""
    out = shipped.scrub_text(line)
    assert "<PHONE_NUMBER>" in out
    assert not any(c.isdigit() for c in out)


@pytest.mark.parametrize(
    "line",
    [
        "2026-12-04 10:23:45 took 2332ms",
        "[12345.678901] eth0 up",
        "order 1234567 bytes=1048576",
        'HTTP/1.1" 200 28643 "-"',
        "counter [12/100] done",
    ],
)
def test_non_phone_numbers_are_kept(shipped, line):
    """Dates, decimals, ids and access-line sizes are not phone numbers."""
    assert line == shipped.scrub_text(line)


def test_regions_are_validated_in_rules(tmp_path):
    """A region that is no ISO code is a rule error naming the field."""
    from logward_base.errors import RuleError

    (tmp_path / "p.yaml").write_text(
        "name: p\ntype: pattern\nentity: PHONE_NUMBER\nregions: [usa]\n"
        "patterns:\n  - {regex: '\\d+', score: 0.5}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="regions"):
        load_scrubber(tmp_path)


@pytest.mark.timeout(20)
def test_repeated_private_key_headers_stay_linear(shipped):
    """A 128 kB line of repeated BEGIN headers is scrubbed (bounded work; no timing assert)."""
    line = "-----BEGIN PRIVATE KEY-----." * (128 * 1024 // 28)
    assert "PRIVATE_KEY" in shipped.scrub_text(line)
