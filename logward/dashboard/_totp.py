"""The TOTP second factor (RFC 6238): secrets sealed at rest, codes, recovery codes.

Where the secret lives: in the dashboard config file, next to the password
hash, sealed with AES-256-GCM (``totp_secret: "v1:<base64 nonce+ciphertext>"``,
the user name as associated data so a sealed secret cannot be moved to another
user). The 32-byte key is base64 text in an owner-only key file
(``totp_key_file``; default ``dashboard-totp.key`` beside the config file),
read with the scrubber's owner-only key-file reader. Someone who can read the
config but not the key file learns nothing usable.

Recovery codes (ten, single use) are stored as argon2id hashes; which of them
were used, and the last accepted time-step per user, live server-side in the
store (see :mod:`logward.dashboard._authstore`), so a code cannot be replayed
across a restart or on another instance.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import secrets
import struct
import zlib
from pathlib import Path

import pyotp
import qrcode
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from logward_base.errors import ConfigError, KeyMaterialError
from scrubber import decode_base64_key, read_key_file

__all__ = [
    "ISSUER",
    "RECOVERY_CODES",
    "TotpBox",
    "create_key_file",
    "make_recovery_codes",
    "match_recovery_code",
    "new_secret",
    "provisioning_uri",
    "qr_png",
    "qr_text",
    "totp_step",
    "verify_code",
]

ISSUER = "logward"
RECOVERY_CODES = 10
STEP = 30
# Recovery codes carry 50 random bits: a cheap argon2 suffices and keeps a check fast.
_RECOVERY_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, user: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app enrols from."""
    return pyotp.TOTP(secret).provisioning_uri(name=user, issuer_name=ISSUER)


def totp_step(now: float) -> int:
    """The RFC 6238 time-step number at ``now``."""
    return int(now // STEP)


def verify_code(secret: str, code: str, now: float, last_step: int) -> int | None:
    """Return the time-step ``code`` matches (now, or one step either side), if newer.

    A code for a step at or before ``last_step`` (already used) never matches:
    this is what makes each code single-use.
    """
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp_step(now)
    for step in (current - 1, current, current + 1):
        if step > last_step and secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def make_recovery_codes(count: int = RECOVERY_CODES) -> tuple[list[str], list[str]]:
    """Return ``(codes, hashes)``: codes to show once, argon2id hashes to store."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes, [_RECOVERY_HASHER.hash(code) for code in codes]


def match_recovery_code(code: str, hashes: tuple[str, ...], used: set[str]) -> str | None:
    """Return the stored hash ``code`` matches, unless that code was used already."""
    code = code.strip().lower()
    if not 8 <= len(code) <= 20:
        return None
    for stored in hashes:
        if stored in used:
            continue
        try:
            if _RECOVERY_HASHER.verify(stored, code):
                return stored
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
    return None


def create_key_file(path: Path) -> None:
    """Create an owner-only key file holding a fresh 256-bit key, unless it exists."""
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode() + "\n")


class TotpBox:
    """Seal and open TOTP secrets with AES-256-GCM under the key in ``key_file``.

    Raises:
        KeyMaterialError: the key file is missing, group/world readable or malformed.
    """

    def __init__(self, key_file: str | os.PathLike[str]) -> None:
        text = read_key_file(key_file, "TOTP key")
        key = decode_base64_key(text, str(key_file), "TOTP key")
        if len(key) != 32:
            raise KeyMaterialError(f"{key_file}: the TOTP key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    def seal(self, secret: str, user: str) -> str:
        """Encrypt ``secret`` for ``user``; returns ``v1:<base64>``."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode("ascii"), user.encode())
        return "v1:" + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, user: str) -> str:
        """Decrypt a sealed secret for ``user``.

        Raises:
            ConfigError: not a sealed secret, or sealed under another key or user.
        """
        if not sealed.startswith("v1:"):
            raise ConfigError(f"users.{user}.totp_secret: cannot be opened with the TOTP key file")
        try:
            blob = base64.b64decode(sealed[3:], validate=True)
            return self._aead.decrypt(blob[:12], blob[12:], user.encode()).decode("ascii")
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"users.{user}.totp_secret: cannot be opened with the TOTP key file"
            ) from exc
        except Exception as exc:  # cryptography's InvalidTag
            raise ConfigError(
                f"users.{user}.totp_secret: cannot be opened with the TOTP key file"
            ) from exc


def qr_text(uri: str) -> str:
    """The URI as a QR code drawn with characters, for a terminal (made offline)."""
    qr = qrcode.QRCode(border=2)
    qr.add_data(uri)
    qr.make(fit=True)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()


def qr_png(uri: str, scale: int = 8) -> bytes:
    """The URI as a black-on-white QR code PNG (written with zlib; no imaging library)."""
    qr = qrcode.QRCode(border=4)
    qr.add_data(uri)
    qr.make(fit=True)
    rows = []
    for cells in qr.get_matrix():
        line = bytes(0 if dark else 255 for dark in cells for _ in range(scale))
        rows.extend([b"\x00" + line] * scale)
    size = len(qr.get_matrix()) * scale

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
