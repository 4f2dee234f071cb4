"""The field cipher and statement plans of the PostgreSQL store (no server needed)."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest

from logward_base.errors import KeyMaterialError
from monitor import KeyRing, StoreKey
from monitor.store import FieldCipher, encryption_plan
from monitor.store import translate_sql as translate


def _cipher(path: Path | None = None, key: bytes | None = None) -> FieldCipher:
    ring = KeyRing((StoreKey(key or secrets.token_bytes(32), str(path)),), path)
    return FieldCipher(ring, "PostgreSQL store (test)")


def test_encryption_is_deterministic_tagged_with_the_key_id_and_round_trips() -> None:
    """Equal values give equal ciphertexts (equality lookups), tagged enc1:<key id>:."""
    cipher = _cipher()
    one, two = cipher.encrypt("198.51.100.7"), cipher.encrypt("198.51.100.7")
    assert one == two
    assert one.startswith(f"enc1:{cipher.key_id}:")
    assert "198.51.100.7" not in one
    assert cipher.encrypt("198.51.100.8") != one
    assert "198.51.100.7" == cipher.reveal(one)
    assert "" == cipher.encrypt("")  # the rates total stays ''
    assert 5 == cipher.encrypt(5)


def test_json_values_are_encrypted_one_by_one_and_read_back_as_written() -> None:
    """``alerts.keys`` keeps its JSON keys; reading restores the exact text json.dumps wrote."""
    cipher = _cipher()
    text = json.dumps({"source.ip": "203.0.113.9", "user.name": "alice"}, sort_keys=True)
    sealed = cipher.encrypt_json(text)
    assert "alice" not in sealed
    assert cipher.encrypt("alice") == json.loads(sealed)["user.name"]
    assert text == cipher.reveal(sealed)


def test_a_value_under_another_key_names_the_key_file_and_ids_never_the_key(
    tmp_path: Path,
) -> None:
    """Decrypting under the wrong key ring is a KeyMaterialError with file and key ids."""
    key = secrets.token_bytes(32)
    sealed = _cipher(key=key).encrypt("alice")
    other = _cipher(tmp_path / "other.key")
    with pytest.raises(KeyMaterialError) as err:
        other.reveal(sealed)
    message = str(err.value)
    assert str(tmp_path / "other.key") in message
    assert other.key_id in message
    assert sealed.split(":")[1] in message
    assert base64.b64encode(key).decode() not in message


def test_a_tampered_value_fails_authentication() -> None:
    """AES-SIV authenticates: one changed byte is an error, not a wrong plaintext."""
    cipher = _cipher()
    sealed = cipher.encrypt("alice")
    raw = bytearray(base64.b64decode(sealed.split(":", 2)[2]))
    raw[-1] ^= 1
    forged = f"enc1:{cipher.key_id}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(KeyMaterialError, match="fails authentication"):
        cipher.reveal(forged)


def test_text_that_only_looks_encrypted_inside_json_is_kept() -> None:
    """A hostile ``"enc1:..."`` string inside plaintext JSON is left as it is."""
    cipher = _cipher()
    text = '{"ua": "enc1:deadbeef:QUJD"}'
    assert text == cipher.reveal(text)


def test_insert_parameters_of_personal_columns_are_marked_by_position() -> None:
    """An events INSERT encrypts user_name, source_ip, url_path and doc, nothing else."""
    how = encryption_plan(
        translate(
            "INSERT INTO events (ts, category, user_name, source_ip, url_path, doc)"
            " VALUES (?, 'x', ?, ?, ?, ?)"
        )
    )
    assert how.positional is not None
    assert ["", "text", "text", "text", "text"] == [k for _, k in how.positional]


def test_comparisons_in_lists_and_json_keys_are_marked() -> None:
    """``col = ?``, ``col IN (?, ?)`` and ``json_extract(keys, ...) = ?`` encrypt their values."""
    how = encryption_plan(
        translate("SELECT count(*) FROM rates WHERE key IN (?, ?) AND kind = ? AND minute = ?")
    )
    assert how.positional is not None
    assert ["text", "text", "", ""] == [k for _, k in how.positional]
    how = encryption_plan(
        translate("SELECT id FROM alerts WHERE json_extract(keys, '$.\"user.name\"') = ?")
    )
    assert how.positional is not None
    assert [(0, "text")] == list(how.positional)


def test_substring_key_filter_becomes_an_exact_match_on_text_or_one_key_value() -> None:
    """``key_text LIKE ?`` on alerts matches the whole key text or one JSON key value."""
    how = encryption_plan(
        translate("SELECT id FROM alerts WHERE rule = ? AND key_text LIKE ? ESCAPE '\\' LIMIT ?")
    )
    assert "LIKE" not in how.query
    assert "jsonb_each_text" in how.query
    assert how.positional is not None
    assert [(0, ""), (1, "like"), (1, "like"), (2, "")] == list(how.positional)


def test_erasure_prefilter_and_plaintext_ordering_are_rewritten() -> None:
    """``instr(lower(doc), ...)`` becomes a full scan; ``ORDER BY ip`` is done after decryption."""
    how = encryption_plan(translate("SELECT id FROM events WHERE instr(lower(doc), :f0) > 0"))
    assert "instr" not in how.query
    how = encryption_plan(translate("SELECT ip FROM deny_list ORDER BY ip"))
    assert "ip" == how.order
    assert "ORDER BY" not in how.query


def test_tables_without_personal_columns_are_left_alone() -> None:
    """The audit chain (pseudonyms) and cap claims keep their SQL and parameters."""
    how = encryption_plan(translate("SELECT hash FROM audit WHERE subject = ? ORDER BY seq"))
    assert how.positional is None


def test_a_column_encrypted_at_once_equals_value_by_value() -> None:
    """encrypt_all gives what encrypt gives for every value (new, cached, empty, not text, long)."""
    cipher, fresh = _cipher(key=b"k" * 32), _cipher(key=b"k" * 32)
    column = ["alice", "alice", "", None, 7, "x" * 300, "bob", "x" * 300]
    assert [fresh.encrypt(v) for v in column] == cipher.encrypt_all(column)
    assert ["alice", "bob"] == [
        cipher.decrypt(cipher.encrypt_all(["alice", "bob"])[i]) for i in (0, 1)
    ]
