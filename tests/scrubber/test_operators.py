"""Redaction operators and the pseudonym key loading."""

from __future__ import annotations

import base64

import pytest

from logward_base.errors import ConfigError, KeyMaterialError
from scrubber import (
    PSEUDONYM_KEY_ENV,
    DropOperator,
    MaskOperator,
    PseudonymOperator,
    ReplaceOperator,
    load_pseudonym_key,
)

KEY = bytes(range(32))
KEY_B64 = base64.b64encode(KEY).decode()


def test_replace_uses_typed_placeholder():
    """The default replacement is ``<ENTITY>``; a template can change the style."""
    assert "<EMAIL_ADDRESS>" == ReplaceOperator()("EMAIL_ADDRESS", "a@b.c")
    assert "[REDACTED:EMAIL]" == ReplaceOperator("[REDACTED:{entity}]")("EMAIL", "a@b.c")


def test_replace_rejects_unknown_template_fields():
    """A template with other fields fails at construction."""
    with pytest.raises(ConfigError):
        ReplaceOperator("<{entity}:{value}>")


def test_mask_keeps_separators_and_last_four():
    """Masking keeps separators and, if configured, the last four digits."""
    assert "**** **** **** 1111" == MaskOperator(keep_last=4)("CREDIT_CARD", "4111 1111 1111 1111")
    assert "###-##-####" == MaskOperator("#")("US_SSN", "536-90-4399")


def test_mask_hides_everything_of_short_values():
    """A value too short to keep four characters safely is masked entirely."""
    assert "*****" == MaskOperator(keep_last=4)("PASSWORD", "abc12")


@pytest.mark.parametrize(("char", "keep"), [("**", 0), ("a", 0), ("*", 9), ("*", -1), ("*", True)])
def test_mask_checks_parameters(char, keep):
    """Bad mask characters and keep counts are refused at construction."""
    with pytest.raises(ConfigError):
        MaskOperator(char, keep)


def test_pseudonym_is_stable_and_keyed():
    """Same value and key give the same token; another key or value gives another."""
    op = PseudonymOperator(KEY)
    token = op("EMAIL_ADDRESS", "bob@example.com")
    assert token == PseudonymOperator(KEY)("EMAIL_ADDRESS", "bob@example.com")
    assert token != op("EMAIL_ADDRESS", "amy@example.com")
    assert token != PseudonymOperator(bytes(32))("EMAIL_ADDRESS", "bob@example.com")
    assert token.startswith("<EMAIL_ADDRESS:")
    assert token.endswith(">")
    assert 12 == len(token.split(":")[1].rstrip(">"))
    assert "bob" not in token


def test_pseudonym_never_shows_its_key():
    """The operator's repr does not reveal key material."""
    assert KEY_B64 not in repr(PseudonymOperator(KEY))
    assert str(KEY) not in repr(PseudonymOperator(KEY))


def test_pseudonym_checks_key_and_length():
    """Short keys and out-of-range lengths are refused."""
    with pytest.raises(KeyMaterialError):
        PseudonymOperator(b"short")
    with pytest.raises(ConfigError):
        PseudonymOperator(KEY, length=4)


def test_drop_marks_fields_for_removal():
    """Drop removes mapping fields; in free text it falls back to the placeholder."""
    op = DropOperator()
    assert op.drops_field
    assert "<PASSWORD>" == op("PASSWORD", "x")


def test_key_from_environment():
    """The key is read as base64 from $LOGWARD_PSEUDONYM_KEY."""
    assert KEY == load_pseudonym_key(env={PSEUDONYM_KEY_ENV: KEY_B64})


def test_missing_key_is_a_clear_error():
    """Without a key the error names the variable and how to make a key."""
    with pytest.raises(KeyMaterialError, match=PSEUDONYM_KEY_ENV):
        load_pseudonym_key(env={})


@pytest.mark.parametrize("value", ["not base64!!", base64.b64encode(b"short").decode()])
def test_malformed_key_is_refused_without_echoing_it(value):
    """Bad base64 or a short key fails, and the message does not contain the value."""
    with pytest.raises(KeyMaterialError) as info:
        load_pseudonym_key(env={PSEUDONYM_KEY_ENV: value})
    assert value not in str(info.value)


def test_key_file_must_be_private(tmp_path):
    """A key file readable by others is refused; a 0600 file is read."""
    path = tmp_path / "pseudonym.key"
    path.write_text(KEY_B64 + "\n")
    path.chmod(0o644)
    with pytest.raises(KeyMaterialError, match="chmod 600"):
        load_pseudonym_key(path)
    path.chmod(0o600)
    assert KEY == load_pseudonym_key(path)


def test_missing_key_file(tmp_path):
    """A key file that does not exist is a KeyMaterialError naming the file."""
    with pytest.raises(KeyMaterialError, match=r"nope\.key"):
        load_pseudonym_key(tmp_path / "nope.key")
