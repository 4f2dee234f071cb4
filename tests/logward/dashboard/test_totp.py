"""TOTP pieces: sealed secrets, code windows and replay, recovery codes, the key file."""

from __future__ import annotations

import pyotp
import pytest

from logward.dashboard import (
    TotpBox,
    create_key_file,
    make_recovery_codes,
    match_recovery_code,
    new_secret,
    totp_step,
    verify_code,
)
from logward_base.errors import ConfigError, KeyMaterialError

NOW = 1_700_000_000.0


def test_sealed_secret_opens_only_for_its_user_and_key(tmp_path):
    """A sealed secret opens for its user under its key; another user or key is refused."""
    create_key_file(tmp_path / "a.key")
    create_key_file(tmp_path / "b.key")
    box = TotpBox(tmp_path / "a.key")
    secret = new_secret()
    sealed = box.seal(secret, "alice")
    assert secret not in sealed
    assert secret == box.open(sealed, "alice")
    with pytest.raises(ConfigError, match=r"users\.bob\.totp_secret"):
        box.open(sealed, "bob")
    with pytest.raises(ConfigError):
        TotpBox(tmp_path / "b.key").open(sealed, "alice")


def test_group_readable_key_file_is_refused(tmp_path):
    """The key file must be readable by its owner only."""
    path = tmp_path / "totp.key"
    create_key_file(path)
    path.chmod(0o640)
    with pytest.raises(KeyMaterialError, match="chmod 600"):
        TotpBox(path)


def test_codes_match_one_step_either_side_and_never_twice():
    """Codes for the previous, current and next step match; a used step never matches again."""
    secret = new_secret()
    totp = pyotp.TOTP(secret)
    step = totp_step(NOW)
    for offset in (-1, 0, 1):
        assert step + offset == verify_code(secret, totp.at(NOW + 30 * offset), NOW, 0)
    assert verify_code(secret, totp.at(NOW - 60), NOW, 0) is None
    assert verify_code(secret, totp.at(NOW), NOW, step) is None
    assert verify_code(secret, "12345", NOW, 0) is None
    assert verify_code(secret, "abcdef", NOW, 0) is None


def test_recovery_codes_are_hashed_and_skip_used_ones():
    """Ten distinct codes, stored as argon2id; a used code no longer matches."""
    codes, hashes = make_recovery_codes()
    assert 10 == len(set(codes))
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c in h for c in codes for h in hashes)
    matched = match_recovery_code(codes[2].upper(), tuple(hashes), set())
    assert hashes[2] == matched
    assert match_recovery_code(codes[2], tuple(hashes), {hashes[2]}) is None
    assert match_recovery_code("nope-nope1", tuple(hashes), set()) is None
