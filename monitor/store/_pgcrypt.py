"""Field-level encryption of personal columns on the PostgreSQL store (issue 14).

SQLCipher's whole-file encryption does not apply to PostgreSQL, so the adapter
(``_postgres``) encrypts every value bound for a personal column on the client,
before it leaves the process, and decrypts on read:

* **Cipher:** deterministic AES-256-SIV (RFC 5297, ``cryptography``'s ``AESSIV``
  with a 64-byte key derived by HKDF-SHA256 from the store key that
  ``monitor._storekey`` manages). A value is stored as text
  ``enc1:<key id>:<base64 of SIV tag + ciphertext>``; the key id names the store
  key, never the key. SIV is authenticated: a tampered value fails to decrypt.
* **Why deterministic:** equal plaintexts give equal ciphertexts under one key,
  so the callers' equality lookups (``user_name = ?``), ``GROUP BY``, ``COUNT
  (DISTINCT ...)``, joins, ``UNIQUE``/primary keys and indexes keep working in
  SQL with no separate blind index. The leak is the one a blind index
  (HMAC-SHA256 of the value) has too: someone reading the database sees which
  rows share a value (and how often), not the value. One key for every column,
  so equal values are also equal across columns (``revocations.account =
  accounts.name``). Range and order on ciphertext mean nothing.
* **JSON columns searched by key** (``alerts.keys``): the string values are
  encrypted one by one inside the JSON, so ``json_extract(keys, '$."user.name"')
  = ?`` compares ciphertexts.
* The empty string stays empty (``rates.key = ''`` is the total, not a person).

Which columns: :data:`PERSONAL` (table -> column -> ``"text"`` or ``"json"``).
How statements are rewritten for them: ``_pgplan``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from logward_base.errors import KeyMaterialError
from monitor._storekey import KeyRing

__all__ = ["PERSONAL", "PREFIX", "FieldCipher"]

PREFIX = "enc1:"
_INFO = b"logward postgresql personal fields, AES-256-SIV, v1"
_TOKEN = re.compile(r'"(enc1:[0-9a-f]{8}:[A-Za-z0-9+/=]+)"')
_WHOLE = re.compile(r"enc1:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}")
_CACHE_MAX = 65536

#: Personal columns per table: ``text`` is encrypted whole, ``json`` value by value.
PERSONAL: dict[str, dict[str, str]] = {
    "events": {"user_name": "text", "source_ip": "text", "url_path": "text", "doc": "text"},
    "alerts": {"keys": "json", "key_text": "text", "evidence": "text"},
    "actions": {"target": "text", "detail": "text"},
    "revocations": {"account": "text", "reason": "text", "reinstated_by": "text"},
    "accounts": {"name": "text"},
    "deny_list": {"ip": "text"},
    "window_state": {"key": "text", "state": "text"},
    "partition_state": {"key": "text", "state": "text"},
    "rates": {"key": "text"},
    "subject_pseudonyms": {"value": "text"},
    "dashboard_login_failures": {"key": "text"},
    "dashboard_sessions": {"user_name": "text"},
    "dashboard_totp_state": {"user_name": "text"},
    # Offsets, watermarks, and the erasure-pseudonym and audit-checkpoint keys.
    "meta": {"v": "text"},
}


class FieldCipher:
    """Encrypts and decrypts personal values under a store key ring (current key first)."""

    def __init__(self, ring: KeyRing, where: str) -> None:
        self.ring = ring
        self.where = where
        self._by_id = {k.key_id: AESSIV(_derive(k.key)) for k in ring.keys}
        self.key_id = ring.current.key_id
        self._current = self._by_id[self.key_id]
        self._enc: dict[str, str] = {}
        self._dec: dict[str, str] = {}

    @property
    def key_ids(self) -> list[str]:
        """Ids of the keys this cipher holds (current first)."""
        return [k.key_id for k in self.ring.keys]

    def encrypt(self, value: Any) -> Any:
        """``enc1:<key id>:<base64>`` for a non-empty string; anything else as it is."""
        if not isinstance(value, str) or not value:
            return value
        done = self._enc.get(value)
        if done is None:
            sealed = self._current.encrypt(value.encode("utf-8"), None)
            done = f"{PREFIX}{self.key_id}:{base64.b64encode(sealed).decode('ascii')}"
            if len(value) < 256:
                if len(self._enc) >= _CACHE_MAX:
                    self._enc.clear()
                self._enc[value] = done
        return done

    def encrypt_all(self, values: Iterable[Any]) -> list[Any]:
        """:meth:`encrypt` of each value (one column of a batch), with the lookups hoisted."""
        cache = self._enc
        cached = cache.get
        seal = self._current.encrypt
        b64 = base64.b64encode
        head = f"{PREFIX}{self.key_id}:"
        out = []
        for value in values:
            if type(value) is not str or not value:
                out.append(self.encrypt(value))
                continue
            done = cached(value)
            if done is None:  # as encrypt(), inlined: most values of a batch are new
                done = head + b64(seal(value.encode("utf-8"), None)).decode("ascii")
                if len(value) < 256:
                    if len(cache) >= _CACHE_MAX:
                        cache.clear()
                    cache[value] = done
            out.append(done)
        return out

    def encrypt_json(self, value: Any) -> Any:
        """Encrypt the string values (not the keys) of JSON text; else as :meth:`encrypt`."""
        if not isinstance(value, str) or not value:
            return value
        try:
            parsed = json.loads(value)
        except ValueError:
            return self.encrypt(value)
        if not isinstance(parsed, dict):
            return self.encrypt(value)
        return json.dumps(self._walk(parsed), sort_keys=True)

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.encrypt(value)
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self._walk(v) for k, v in value.items()}
        return value

    def decrypt(self, value: str) -> str:
        """The plaintext of one ``enc1:`` value.

        Raises:
            KeyMaterialError: its key id is not in the key ring (names the key
                file and both ids), or it fails authentication.
        """
        done = self._dec.get(value)
        if done is not None:
            return done
        _, key_id, body = value.split(":", 2)
        siv = self._by_id.get(key_id)
        if siv is None:
            raise KeyMaterialError(
                f"{self.where}: a personal field is encrypted under store key id {key_id}, "
                f"but the key file {self.ring.path or '$LOGWARD_STORE_KEY'} holds key id(s) "
                f"{', '.join(self.key_ids)}; give the store's key with --store-key-file FILE"
            )
        try:
            plain = siv.decrypt(base64.b64decode(body, validate=True), None).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise KeyMaterialError(
                f"{self.where}: a personal field under key id {key_id} fails authentication "
                "(tampered or damaged)"
            ) from None
        if len(value) < 512:
            if len(self._dec) >= _CACHE_MAX:
                self._dec.clear()
            self._dec[value] = plain
        return plain

    def reveal(self, value: Any) -> Any:
        """Decrypt a value read from the store: whole, or the tokens inside a JSON text."""
        if type(value) is not str or PREFIX not in value:
            return value
        if value.startswith(PREFIX):
            return self.decrypt(value) if _WHOLE.fullmatch(value) else value
        if value.startswith(("{", "[")):
            return _TOKEN.sub(self._token, value)
        return value

    def _token(self, m: re.Match[str]) -> str:
        """One encrypted JSON string value, decrypted; text that only looks like one is kept.

        (A wrong key is caught when the store opens: its key id is in ``meta``.)
        """
        try:
            return json.dumps(self.decrypt(m.group(1)))
        except KeyMaterialError:
            return m.group(0)


def _derive(key: bytes) -> bytes:
    """The 64-byte AES-256-SIV key for one 32-byte store key (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_INFO).derive(key)
