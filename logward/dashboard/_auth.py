"""Authentication pieces: password hashes, signed sessions, login limits, login log.

Sessions are stateless signed cookies (itsdangerous) carrying the user name,
a per-session CSRF token and a session id; logging out records the id as
ended so a copied cookie stops working too. Login events are written as ECS
JSON lines to ``dashboard-auth.log`` in the data directory, in the monitor's
``json`` format, so the monitor can watch the dashboard's own front door.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from logward.dashboard._config import DashboardConfig, User
from monitor import iso_time

__all__ = [
    "AuthLog",
    "LoginLimiter",
    "Session",
    "SessionCodec",
    "hash_password",
    "verify_password",
]

_HASHER = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal user names.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Return an argon2id PHC string (salted) for ``password``."""
    return _HASHER.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check ``password`` against ``user``'s hash in constant-ish time; ``None`` never matches."""
    target = user.password_hash if user is not None else _DUMMY_HASH
    try:
        ok = _HASHER.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return bool(ok) and user is not None


@dataclass(frozen=True, slots=True)
class Session:
    """What the session cookie carries. ``user`` is ``None`` before login."""

    sid: str
    csrf: str
    user: str | None = None
    issued: float = 0.0


class SessionCodec:
    """Sign and check session cookies; remember sessions ended by logout.

    Args:
        secret: the signing key.
        max_age: seconds a cookie stays valid after it was issued.
        clock: current time, injectable for tests.
    """

    cookie_name = "logward_session"

    def __init__(self, secret: str, max_age: float, clock: Callable[[], float] = time.time) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="logward-dashboard-session")
        self._max_age = max_age
        self._clock = clock
        self._ended: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def max_age(self) -> float:
        """Seconds a session lasts."""
        return self._max_age

    def new(self, user: str | None = None) -> Session:
        """Issue a fresh session (fresh id and CSRF token: no fixation across login)."""
        return Session(
            sid=secrets.token_urlsafe(16),
            csrf=secrets.token_urlsafe(32),
            user=user,
            issued=self._clock(),
        )

    def dumps(self, session: Session) -> str:
        """Serialise and sign ``session`` for the cookie."""
        payload = {"s": session.sid, "c": session.csrf, "u": session.user, "i": session.issued}
        return str(self._serializer.dumps(payload))

    def loads(self, cookie: str | None) -> Session | None:
        """Return the session in a cookie, or ``None`` if absent, forged, expired or ended."""
        if not cookie or len(cookie) > 4096:
            return None
        try:
            data = self._serializer.loads(cookie)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        sid, csrf, user, issued = data.get("s"), data.get("c"), data.get("u"), data.get("i")
        if not isinstance(sid, str) or not isinstance(csrf, str):
            return None
        if not isinstance(issued, int | float) or self._clock() - issued > self._max_age:
            return None
        if user is not None and not isinstance(user, str):
            return None
        with self._lock:
            if sid in self._ended:
                return None
        return Session(sid=sid, csrf=csrf, user=user, issued=float(issued))

    def end(self, session: Session) -> None:
        """Mark ``session`` as logged out until its cookie would have expired anyway."""
        now = self._clock()
        with self._lock:
            self._ended = {k: v for k, v in self._ended.items() if v > now}
            self._ended[session.sid] = session.issued + self._max_age


class LoginLimiter:
    """Count failed logins per source address and per user name in a sliding window.

    Args:
        per_ip: failures allowed from one address within ``window``.
        per_user: failures allowed against one user name within ``window``.
        window: seconds.
        clock: current time, injectable for tests.
    """

    def __init__(
        self,
        per_ip: int,
        per_user: int,
        window: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limits = {"ip": per_ip, "user": per_user}
        self._window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, ip: str, user: str) -> float:
        """Seconds until a login attempt is allowed again (0 when allowed now)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for kind, value in (("ip", ip), ("user", user.lower())):
                times = self._recent((kind, value), now)
                if len(times) >= self._limits[kind]:
                    wait = max(wait, times[0] + self._window - now)
        return wait

    def failed(self, ip: str, user: str) -> None:
        """Record one failed attempt from ``ip`` against ``user``."""
        now = self._clock()
        with self._lock:
            for kind, value in (("ip", ip), ("user", user.lower())):
                self._failures.setdefault((kind, value), deque()).append(now)
            if len(self._failures) > 100_000:  # bounded memory under a spray
                for key in list(self._failures)[:50_000]:
                    self._recent(key, now)

    def succeeded(self, user: str) -> None:
        """A successful login clears that user's failure count (not the address's)."""
        with self._lock:
            self._failures.pop(("user", user.lower()), None)


class AuthLog:
    """Append the dashboard's login events as ECS JSON lines (the monitor's ``json`` format).

    Unknown user names are written as a keyed pseudonym (``unknown-<hmac>``):
    people type passwords into the user field, and this file must hold no
    secrets or PII, while the monitor still sees one stable key per name.

    Args:
        path: the log file (created 0600).
        key: HMAC key for pseudonyms.
        clock: current time, injectable for tests.
    """

    def __init__(self, path: Path, key: str, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._key = key.encode()
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The log file."""
        return self._path

    def pseudonym(self, name: str) -> str:
        """A stable, keyed stand-in for a user name that is not a configured user."""
        digest = hmac.new(self._key, name.encode("utf-8", "replace"), hashlib.sha256)
        return "unknown-" + digest.hexdigest()[:12]

    def login(self, user_name: str, known: bool, ip: str, outcome: str, reason: str = "") -> None:
        """Append one ``login`` event; ``outcome`` is ``success`` or ``failure``."""
        record: dict[str, object] = {
            "@timestamp": iso_time(self._clock()),
            "event.category": "authentication",
            "event.action": "login",
            "event.outcome": outcome,
            "user.name": user_name if known else self.pseudonym(user_name),
            "source.ip": ip,
            "service.name": "logward-dashboard",
        }
        if reason:
            record["event.reason"] = reason
        line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
        with self._lock:
            fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line)


def make_limiter(config: DashboardConfig, clock: Callable[[], float]) -> LoginLimiter:
    """Build the login limiter the config asks for."""
    limits = config.login_limits
    return LoginLimiter(limits.per_ip, limits.per_user, limits.window, clock)
