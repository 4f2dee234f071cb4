"""Field helpers shared by the parsers: client addresses and HTTP requests."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any

from monitor.parsers._base import ParserOptions

__all__ = [
    "classify_http",
    "first_match",
    "loads_json",
    "one_address",
    "split_host",
    "split_target",
]

# One IPv4 address, octets 0-255 (leading zeros kept as written, as fail2ban does).
_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4]\d|1?\d?\d|0\d\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d|0\d\d)){3}\Z"
)
_DOMAIN = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?\.?\Z")

# A \uD800-\uDFFF escape: json.loads turns an unpaired one into a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

_WEB = "web"
_AUTH = "authentication"


def loads_json(text: str) -> Any:
    """``json.loads``, with unpaired surrogates (``"\\ud800"``) replaced by U+FFFD.

    A lone surrogate cannot be encoded as UTF-8, so SQLite and stdout would
    refuse the event later; it is replaced here, as invalid UTF-8 bytes are.

    Raises:
        ValueError: the text is not JSON.
    """
    value = json.loads(text)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        value = _fix_surrogates(value)
    return value


def _fix_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_fix_surrogates(k): _fix_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fix_surrogates(v) for v in value]
    return value


_HOSTS: dict[str, tuple[str | None, str | None]] = {}
_HOSTS_MAX = 65536


def split_host(host: str) -> tuple[str | None, str | None]:
    """Tell a client address from a host name (cached; see :func:`_split_host`)."""
    found = _HOSTS.get(host)
    if found is None:
        found = _split_host(host)
        if len(_HOSTS) >= _HOSTS_MAX:
            _HOSTS.clear()
        _HOSTS[host] = found
    return found


def _split_host(host: str) -> tuple[str | None, str | None]:
    """Tell a client address from a host name.

    ``::ffff:``-mapped IPv4 addresses become plain IPv4; brackets and an IPv6
    zone are dropped. Anything else that looks like a DNS name is a domain.

    Returns:
        ``(source_ip, source_domain)``, at most one of them set.
    """
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if _IPV4.match(host):
        return host, None
    if ":" in host:
        if "%" in host:
            host = host.split("%", 1)[0]
        lowered = host.lower()
        if lowered.startswith("::ffff:") and _IPV4.match(lowered, 7):
            return lowered[7:], None
        return _ipv6(lowered), None
    if _DOMAIN.match(host) and not host.replace(".", "").isdigit():
        return None, host.lower()
    return None, None


def _ipv6(text: str) -> str | None:
    """Return ``text`` if it is exactly one IPv6 address (no prefix length), else ``None``."""
    if "/" in text or len(text) > 45:
        return None
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return text


def one_address(text: str) -> str | None:
    """Return ``text`` as one IP address (``::ffff:`` IPv4 unmapped), or ``None``.

    Networks (``0.0.0.0/0``, ``::/0``), ranges, lists, ports and garbage are
    not one address and give ``None``: an address is evidence that rules group
    by and deny-lists act on, so it must name exactly one host.
    """
    ip, _ = split_host(text.strip())
    return ip


def split_target(target: str) -> tuple[str, str | None]:
    """Split a request target into path and query (``None`` when there is no ``?``)."""
    path, sep, query = target.partition("?")
    return path, (query if sep else None)


def classify_http(
    options: ParserOptions,
    method: str | None,
    path: str | None,
    status: int | None,
    user: str | None,
) -> tuple[str, str, str]:
    """Classify one HTTP request as ``(event.category, event.action, event.outcome)``.

    * At a login path: a configured failure status (401/403) is a failed
      login; a 2xx/3xx answer is a successful login when it answers a form
      post (any method but GET/HEAD) or carries an authenticated user.
    * Anywhere else (and GETs of the login form): a web request whose outcome
      follows ECS (``failure`` from status 400 up, so 401/403 are failures).
    """
    if path is not None and status is not None and options.is_login_path(path):
        if status in options.failure_statuses:
            return _AUTH, "login", "failure"
        if 200 <= status < 400 and (user or (method not in ("GET", "HEAD", None))):
            return _AUTH, "login", "success"
    if status is None:
        return _WEB, "http_request", "unknown"
    if status in options.failure_statuses or status >= 400:
        return _WEB, "http_request", "failure"
    return _WEB, "http_request", "success"


def first_match(
    messages: Iterable[tuple[re.Pattern[str], str, str]], text: str
) -> tuple[re.Match[str], str, str] | None:
    """Return the first ``(match, category, action)`` whose pattern matches ``text``."""
    for pattern, category, action in messages:
        found = pattern.match(text)
        if found is not None:
            return found, category, action
    return None
