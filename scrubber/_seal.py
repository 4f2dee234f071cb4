"""AES-256-GCM sealing of data that must be kept but never read casually.

The stream sidecar seals records it cannot scrub before they go to the
quarantine topic. A sealed blob is ``MAGIC || nonce (12 bytes) || ciphertext+tag``;
the associated data (AAD) binds metadata (source offset, error class, key id) to
it, so a blob moved to another record's headers no longer opens.

The key is 32 random bytes, given base64-encoded in ``$LOGWARD_SEAL_KEY`` or in a
key file that only its owner can read. The key id is the first 8 hex digits of
the key's SHA-256: enough to tell keys apart, useless for recovering the key.
The key is never logged and never appears in an error message.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from logward_base.errors import KeyMaterialError
from scrubber._secrets import decode_base64_key, read_key_file

__all__ = ["SEAL_KEY_ENV", "Sealer"]

SEAL_KEY_ENV = "LOGWARD_SEAL_KEY"
_MAGIC = b"LWS1"
_NONCE_BYTES = 12
_KEY_BYTES = 32


def _decode_key(text: str, where: str) -> bytes:
    key = decode_base64_key(text, where, "seal key")
    if len(key) != _KEY_BYTES:
        raise KeyMaterialError(
            f"{where}: the seal key must be {_KEY_BYTES} bytes (AES-256), got {len(key)}"
        )
    return key


class Sealer:
    """Seal and open bytes with one AES-256-GCM key.

    Args:
        key: the 32-byte key.

    Raises:
        KeyMaterialError: the key is not 32 bytes.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != _KEY_BYTES:
            raise KeyMaterialError(
                f"the seal key must be {_KEY_BYTES} bytes (AES-256), got {len(key)}"
            )
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(key).hexdigest()[:8]

    def __repr__(self) -> str:
        return f"Sealer(key_id={self.key_id!r})"

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Sealer:
        """Load the base64 key from a file only its owner may read.

        Raises:
            KeyMaterialError: the file is missing, group/world-readable or malformed.
        """
        file = Path(path)
        text = read_key_file(file, "seal key")
        return cls(_decode_key(text, str(file)))

    @classmethod
    def load(
        cls, key_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
    ) -> Sealer | None:
        """Load the key from ``key_file`` if given, else from ``$LOGWARD_SEAL_KEY``.

        Returns:
            The sealer, or ``None`` when no key is configured at all.

        Raises:
            KeyMaterialError: a configured key is unreadable or malformed.
        """
        if key_file:
            return cls.from_file(key_file)
        value = (os.environ if env is None else env).get(SEAL_KEY_ENV)
        if not value:
            return None
        return cls(_decode_key(value, f"${SEAL_KEY_ENV}"))

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate ``plaintext``, binding ``aad`` to it.

        Returns:
            ``MAGIC || nonce || ciphertext-with-tag``.
        """
        nonce = os.urandom(_NONCE_BYTES)
        return _MAGIC + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt a blob made by :meth:`seal` with the same key and AAD.

        Raises:
            KeyMaterialError: wrong key, wrong AAD, or the blob was altered.
        """
        head = len(_MAGIC) + _NONCE_BYTES
        if len(blob) < head + 16 or not blob.startswith(_MAGIC):
            raise KeyMaterialError("not a logward sealed blob")
        nonce = blob[len(_MAGIC) : head]
        try:
            return self._aead.decrypt(nonce, blob[head:], aad)
        except InvalidTag:
            raise KeyMaterialError(
                f"sealed blob does not authenticate with key {self.key_id} "
                "(wrong key, or the blob or its metadata were altered)"
            ) from None
