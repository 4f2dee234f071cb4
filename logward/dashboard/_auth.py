"""Authentication pieces: password hashes, sessions, login log.

Session cookies are signed (itsdangerous) and carry a random session id, the
user name and a per-session CSRF token; a signed-in session is valid only while
its row exists in the store (see ``_authstore``), so logging out ends it for
every copy of the cookie, across restarts and instances. Login events are written as ECS
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from logward.dashboard._authstore import AuthStore
from logward.dashboard._config import User
from monitor import iso_time

__all__ = [
    "PENDING_MAX_AGE",
    "AuthLog",
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
    """What a request's session is. ``user`` is ``None`` before login.

    ``stage`` is ``password`` after the first factor only, ``full`` once
    sign-in is complete; only ``full`` sessions reach any page or API.
    """

    sid: str
    csrf: str
    user: str | None = None
    issued: float = 0.0
    stage: str = "full"


# A half-finished sign-in (password accepted, code not yet given) lasts this long.
PENDING_MAX_AGE = 300.0


class SessionCodec:
    """Sign session cookies; keep signed-in sessions server-side in ``store``.

    The cookie carries a random session id and the CSRF token, signed. An
    anonymous session (the login form's CSRF token) lives in the cookie alone;
    a session with a user is valid only while its row exists in the store, so
    logout, restarts and several instances agree.

    Args:
        secret: the signing key.
        max_age: seconds a session stays valid after it was issued.
        store: the server-side session table.
        clock: current time, injectable for tests.
    """

    cookie_name = "logward_session"

    def __init__(
        self,
        secret: str,
        max_age: float,
        store: AuthStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="logward-dashboard-session")
        self._max_age = max_age
        self._store = store
        self._clock = clock

    @property
    def max_age(self) -> float:
        """Seconds a session lasts."""
        return self._max_age

    def new(self, user: str | None = None, stage: str = "full") -> Session:
        """Issue a fresh session (fresh id and CSRF token: no fixation across sign-in steps)."""
        session = Session(
            sid=secrets.token_urlsafe(24),
            csrf=secrets.token_urlsafe(32),
            user=user,
            issued=self._clock(),
            stage=stage,
        )
        if user is not None:
            life = PENDING_MAX_AGE if stage != "full" else self._max_age
            self._store.session_put(session.sid, user, stage, session.issued, session.issued + life)
        return session

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
        now = self._clock()
        if not isinstance(issued, int | float) or now - issued > self._max_age:
            return None
        if user is None:
            return Session(sid=sid, csrf=csrf, user=None, issued=float(issued))
        if not isinstance(user, str):
            return None
        row = self._store.session_get(sid, now)
        if row is None or row.user != user:
            return None
        return Session(sid=sid, csrf=csrf, user=user, issued=float(issued), stage=row.stage)

    def end(self, session: Session) -> None:
        """End ``session`` server-side: its cookie is refused from now on, everywhere."""
        self._store.session_delete(session.sid)


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

    def login(
        self,
        user_name: str,
        known: bool,
        ip: str,
        outcome: str,
        reason: str = "",
        action: str = "login",
    ) -> None:
        """Append one ``login`` event; ``outcome`` is ``success`` or ``failure``."""
        record: dict[str, object] = {
            "@timestamp": iso_time(self._clock()),
            "event.category": "authentication",
            "event.action": action,
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
