"""Login-path normalisation: one canonical form for every spelling of a path.

A client chooses how to spell the path it requests, and a web server maps
many spellings to the same handler. Login failures must be counted however
the path is written, so paths are compared in this form:

* absolute form (``http://shop/login``, RFC 9112 section 3.2.2): scheme and
  authority dropped;
* percent-decoding (``/%6cogin``; twice, so ``%256c`` is decoded too);
* path parameters (``/login;jsessionid=x``) dropped from every segment;
* duplicate slashes collapsed, backslashes read as slashes (IIS does);
* dot segments resolved (``/./login``, ``/a/../login``; never above the root);
* lower case, and no trailing slash.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["normalise_login_path"]

_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_CACHE: dict[str, str] = {}
_CACHE_MAX = 16384


def normalise_login_path(path: str) -> str:
    """Return the canonical form of a request path (without query), cached.

    Args:
        path: the path as the client sent it (absolute form allowed).

    Returns:
        A lower-case path starting with ``/``, without dot segments, empty
        segments, path parameters or a trailing slash (``/`` for the root).
    """
    found = _CACHE.get(path)
    if found is None:
        found = _normalise(path)
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[path] = found
    return found


def _normalise(path: str) -> str:
    text = path
    m = _ABSOLUTE.match(text)
    if m is not None:
        text = text[m.end() :]
    for _ in range(2):
        if "%" not in text:
            break
        text = unquote(text, errors="replace")
    text = text.split("?", 1)[0].split("#", 1)[0].replace("\\", "/")
    out: list[str] = []
    for segment in text.split("/"):
        segment = segment.split(";", 1)[0]
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    return ("/" + "/".join(out)).lower()
