"""Reading key material (pseudonym and seal keys) from files and the environment.

Key files must be readable by their owner only; keys are base64 text. Messages
name the file or variable, never the key.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from logward_base.errors import KeyMaterialError

__all__ = ["decode_base64_key", "read_key_file"]


def read_key_file(path: str | os.PathLike[str], what: str) -> str:
    """Return the text of a key file that only its owner may access.

    Args:
        path: the key file.
        what: what the key is for, for messages (``"seal key"``).

    Raises:
        KeyMaterialError: the file is missing, unreadable, or group/world-accessible.
    """
    file = Path(path)
    try:
        mode = file.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyMaterialError(
                f"{file}: {what} file is accessible by group or others "
                f"(mode {stat.S_IMODE(mode):04o}); run `chmod 600 {file}`"
            )
        return file.read_text(encoding="ascii")
    except KeyMaterialError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMaterialError(f"{file}: cannot read {what} file ({type(exc).__name__})") from None


def decode_base64_key(text: str, where: str, what: str) -> bytes:
    """Decode base64 key text (surrounding whitespace ignored).

    Raises:
        KeyMaterialError: the text is not valid base64.
    """
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyMaterialError(f"{where}: the {what} is not valid base64") from None
