"""AES-256-GCM sealing: round trip, binding of metadata, key handling."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from logward_base.errors import KeyMaterialError
from scrubber import SEAL_KEY_ENV, Sealer

KEY = bytes(range(32))


def test_seal_round_trip():
    """A sealed blob opens to the original bytes with the same key and AAD."""
    sealer = Sealer(KEY)
    blob = sealer.seal(b"alice@example.com", b"meta")
    assert b"alice@example.com" not in blob
    assert b"alice@example.com" == sealer.open(blob, b"meta")


def test_nonce_is_fresh_each_time():
    """Sealing the same bytes twice gives different blobs (random 96-bit nonce)."""
    sealer = Sealer(KEY)
    assert sealer.seal(b"x", b"") != sealer.seal(b"x", b"")


def test_changed_aad_does_not_open():
    """Metadata bound as AAD cannot be changed without the blob failing to open."""
    sealer = Sealer(KEY)
    blob = sealer.seal(b"payload", b"topic-0-1")
    with pytest.raises(KeyMaterialError, match="does not authenticate"):
        sealer.open(blob, b"topic-0-2")


def test_wrong_key_does_not_open():
    """A blob sealed with one key does not open with another."""
    blob = Sealer(KEY).seal(b"payload", b"")
    with pytest.raises(KeyMaterialError):
        Sealer(os.urandom(32)).open(blob, b"")


def test_key_id_is_sha256_prefix():
    """The key id is the first 8 hex digits of the key's SHA-256."""
    assert hashlib.sha256(KEY).hexdigest()[:8] == Sealer(KEY).key_id


def test_short_key_refused():
    """Only 32-byte (AES-256) keys are accepted."""
    with pytest.raises(KeyMaterialError, match="32 bytes"):
        Sealer(b"short")


def test_load_from_env():
    """The key can come base64-encoded from $LOGWARD_SEAL_KEY."""
    sealer = Sealer.load(env={SEAL_KEY_ENV: base64.b64encode(KEY).decode()})
    assert sealer is not None
    assert Sealer(KEY).key_id == sealer.key_id


def test_no_key_configured_gives_none():
    """Without a key file or env variable there is no sealer."""
    assert Sealer.load(env={}) is None


def test_bad_base64_env_refused():
    """A malformed key is an error naming where it came from, not the key."""
    with pytest.raises(KeyMaterialError, match="LOGWARD_SEAL_KEY"):
        Sealer.load(env={SEAL_KEY_ENV: "not base64!!"})


def test_key_file_owner_only(tmp_path):
    """A key file readable only by its owner loads."""
    path = tmp_path / "seal.key"
    path.write_text(base64.b64encode(KEY).decode() + "\n")
    path.chmod(0o600)
    assert Sealer(KEY).key_id == Sealer.from_file(path).key_id


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_key_file_readable_by_others_refused(tmp_path, mode):
    """A group- or world-readable key file is refused with a clear error."""
    path = tmp_path / "seal.key"
    path.write_text(base64.b64encode(KEY).decode())
    path.chmod(mode)
    with pytest.raises(KeyMaterialError, match="chmod 600"):
        Sealer.load(path)


def test_missing_key_file(tmp_path):
    """A missing key file is a KeyMaterialError naming the file."""
    with pytest.raises(KeyMaterialError, match="cannot read"):
        Sealer.from_file(tmp_path / "nope.key")


def test_repr_hides_key():
    """The repr shows the key id only."""
    assert base64.b64encode(KEY).decode() not in repr(Sealer(KEY))
    assert "key_id" in repr(Sealer(KEY))
