"""Slow down online guessing without handing strangers a lockout button.

OWASP's "Slow down online guessing attacks with device cookies":

- A browser that completed a sign-in for a user gets a signed *device cookie*
  naming that user. Attempts carrying it are judged only by the failures made
  with that same cookie, so failures from anywhere else never block the user
  on their own device.
- Attempts without a valid device cookie for the user (untrusted clients) are
  judged by: failures from this address against this user, with a delay that
  doubles after each failure beyond the first few; failures from this address
  overall; and failures from untrusted clients against this user overall
  (distributed guessing stays slow, but only for untrusted clients).

State lives in the store (:class:`~logward.dashboard._authstore.AuthStore`), so
a restart or a second instance sees the same counts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from itsdangerous import BadSignature, URLSafeTimedSerializer

from logward.dashboard._authstore import AuthStore

__all__ = ["DeviceCookies", "Throttle"]

DEVICE_COOKIE = "logward_device"
DEVICE_MAX_AGE = 180 * 86400.0
PRUNE_EVERY = 200


class DeviceCookies:
    """Issue and check signed device cookies ``{user, nonce}``."""

    cookie_name = DEVICE_COOKIE

    def __init__(self, secret: str, max_age: float = DEVICE_MAX_AGE) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="logward-device-cookie")
        self.max_age = max_age

    def issue(self, user: str) -> str:
        """A new device cookie value for ``user``."""
        return str(self._serializer.dumps({"u": user, "n": secrets.token_urlsafe(12)}))

    def device_for(self, cookie: str | None, user: str) -> str | None:
        """The device nonce if ``cookie`` is a valid device cookie for ``user``."""
        if not cookie or len(cookie) > 1024:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=int(self.max_age))
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("u") != user:
            return None
        nonce = data.get("n")
        return nonce if isinstance(nonce, str) else None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an attempt may proceed now; if not, for how long to wait."""

    wait: float
    reason: str = ""


class Throttle:
    """Failed sign-in accounting per (address, user), address, user and device.

    Args:
        store: where failures are kept.
        per_ip: failures allowed from one address within ``window``.
        per_user: failures allowed against one user from untrusted clients
            (and per device cookie) within ``window``.
        window: seconds.
        free: failures per (address, user) before delays start.
        base_delay: the first delay in seconds; it doubles with each failure.
        max_delay: the longest delay.
        clock: current time.
    """

    prune_every: ClassVar[int] = PRUNE_EVERY  # failures recorded between two prunes

    def __init__(
        self,
        store: AuthStore,
        per_ip: int,
        per_user: int,
        window: float,
        *,
        free: int = 2,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._per_ip = per_ip
        self._per_user = per_user
        self._window = window
        self._free = free
        self._base = base_delay
        self._max = max_delay
        self._clock = clock
        self._recorded = 0

    def check(self, ip: str, user: str, device: str | None, factor: str = "password") -> Verdict:
        """Return how long this attempt must wait (0: go ahead)."""
        now = self._clock()
        since = now - self._window
        user = user.lower()
        if device is not None:
            times = self._store.failures(f"device:{factor}", device, since)
            if len(times) >= self._per_user:
                return Verdict(times[0] + self._window - now, "device")
            return Verdict(0.0)
        times = self._store.failures(f"ipuser:{factor}", f"{ip}|{user}", since)
        excess = len(times) - self._free - 1
        if excess >= 0:
            delay = min(self._base * 2**excess, self._max)
            if now < times[-1] + delay:
                return Verdict(times[-1] + delay - now, "address+user")
        for scope, key, limit in (
            ("ip", ip, self._per_ip),
            (f"user:{factor}", user, self._per_user),
        ):
            times = self._store.failures(scope, key, since)
            if len(times) >= limit:
                return Verdict(times[0] + self._window - now, scope.split(":")[0])
        return Verdict(0.0)

    def failed(self, ip: str, user: str, device: str | None, factor: str = "password") -> None:
        """Record one failed attempt."""
        user = user.lower()
        if device is not None:
            keys = [(f"device:{factor}", device)]
        else:
            keys = [("ip", ip), (f"ipuser:{factor}", f"{ip}|{user}"), (f"user:{factor}", user)]
        now = self._clock()
        self._store.failure_add(keys, now)
        self._recorded += 1
        if self._recorded % self.prune_every == 0:  # bounded table under a spray
            self._store.prune(now - self._window)

    def succeeded(self, ip: str, user: str, device: str | None, factor: str = "password") -> None:
        """A success clears this client's own counts for the user (not the user's total)."""
        user = user.lower()
        self._store.failures_clear(f"ipuser:{factor}", f"{ip}|{user}")
        if device is not None:
            self._store.failures_clear(f"device:{factor}", device)
