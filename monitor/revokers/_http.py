"""A small JSON-over-HTTP client on the stdlib, shared by the HTTP revokers.

No proxies from the environment and no redirects: a bearer token or signed
body goes to the configured host and nowhere else. Errors carry the method,
path template and status code only, never bodies or headers.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from logward_base.errors import RevokeError

__all__ = ["HttpClient"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpClient:
    """Send JSON requests to one base URL.

    Args:
        revoker: the revoker's name, for error messages.
        base_url: ``http://`` or ``https://`` URL without a trailing slash.
        timeout: seconds per request.
    """

    def __init__(self, revoker: str, base_url: str, timeout: float) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise RevokeError(f"revoker {revoker!r}: base URL must be http(s)")
        self._revoker = revoker
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        what: str = "",
    ) -> tuple[int, Any]:
        """Send one request and decode a JSON answer.

        Args:
            method: HTTP method.
            path: path (and query) appended to the base URL; already quoted.
            body: raw body, sent as is.
            headers: extra headers.
            what: a data-free description of the call for error messages.

        Returns:
            ``(status, decoded JSON or None)`` for a 2xx answer.

        Raises:
            RevokeError: a non-2xx answer (retryable for 429 and 5xx) or a
                network failure (retryable).
        """
        url = self._base + path
        # The scheme is http(s), checked in __init__ (S310).
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))  # noqa: S310
        label = what or method
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                status = int(resp.status)
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            code = int(exc.code)
            exc.close()
            raise RevokeError(
                f"revoker {self._revoker!r}: {label} answered HTTP {code}",
                retryable=code == 429 or code >= 500,
            ) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise RevokeError(
                f"revoker {self._revoker!r}: {label} failed: {exc.__class__.__name__}",
                retryable=True,
            ) from None
        if not 200 <= status < 300:
            raise RevokeError(
                f"revoker {self._revoker!r}: {label} answered HTTP {status}", retryable=False
            )
        if not raw.strip():
            return status, None
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, None
