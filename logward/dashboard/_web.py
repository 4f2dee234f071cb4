"""Request plumbing shared by the dashboard's routes: context, sessions, access checks.

Every route that shows data depends on :meth:`Context.authorize` (through the
``Viewer`` and ``Responder`` dependencies in ``_routing``), which turns away
anonymous callers (401 for the API, a redirect to ``/login`` for pages), checks
the role, and writes the page view into the audit chain. CSRF is checked
by an app-wide dependency on every unsafe method, so a new POST route cannot
forget it.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from logward.dashboard._auth import AuthLog, Session, SessionCodec
from logward.dashboard._authstore import AuthStore
from logward.dashboard._config import DashboardConfig, Role, User
from logward.dashboard._throttle import DeviceCookies, Throttle
from monitor import AuditLog, ChainStatus, default_scrub, iso_time, open_store, pseudonym

__all__ = ["Context", "Forbidden", "NotAuthenticated", "actor_of", "audited_query", "client_ip"]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_PATHS = frozenset({"/login", "/static/app.css"})
TEMPLATES_DIR = Path(__file__).with_name("templates")


class NotAuthenticated(Exception):
    """No valid session: 401 for the API, a redirect to the login page for pages."""


class Forbidden(Exception):
    """Signed in, but the role or the CSRF token does not allow this request."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def client_ip(request: Request) -> str:
    """The peer address (proxy headers are not trusted unless uvicorn is told to)."""
    return request.client.host if request.client else "unknown"


def actor_of(user: User) -> str:
    """The audit actor for a dashboard user."""
    return f"dashboard:{user.name}"


def _fmt_ts(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return iso_time(float(value))[:19].replace("T", " ") + " UTC"
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _fmt_duration(value: Any) -> str:
    seconds = int(float(value))
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours}h {rest // 60:02d}m"


def _qs(filters: dict[str, Any], **overrides: Any) -> str:
    merged = {**filters, **overrides}
    return urlencode({k: v for k, v in merged.items() if v is not None and v != ""})


# Query parameters that name a subject: kept in the audit chain by pseudonym (issue 12).
_SUBJECT_PARAMS = {"name": "account", "user": "account", "account": "account", "ip": "ip"}
_SEARCH_PARAMS = frozenset({"key", "q"})


def audited_query(raw: str, limit: int = 300, conn: sqlite3.Connection | None = None) -> str:
    """A query string as the audit chain may keep it: decoded, then scrubbed.

    Filters are free text a user typed, and ``4111+1111+1111+1111`` or
    ``a%40example.com`` hide their data from a scrubber that reads them raw:
    each name and value is percent- and ``+``-decoded first, then scrubbed.
    With ``conn``, an account or address parameter (``name``, ``user``, ``ip``)
    and a search filter (``key``) are kept as keyed pseudonyms instead.
    """
    if not raw:
        return ""
    pairs = parse_qsl(raw, keep_blank_values=True, errors="replace")

    def value(k: str, v: str) -> str:
        kind = _SUBJECT_PARAMS.get(k) or ("search" if k in _SEARCH_PARAMS else None)
        if conn is not None and kind is not None and v:
            return pseudonym(conn, kind, v)
        return default_scrub(v)

    text = "&".join(f"{default_scrub(k)}={value(k, v)}" for k, v in pairs)
    return text[:limit]


def audited_path(path: str, conn: sqlite3.Connection) -> str:
    """A request path as the audit chain keeps it: ``/accounts/NAME`` by pseudonym (issue 12)."""
    head, sep, rest = path.partition("/accounts/")
    if head or not sep or not rest:
        return path
    name, slash, tail = unquote(rest).rpartition("/")
    if not slash or tail not in ("reinstate", "status"):
        name, tail = unquote(rest), ""
    suffix = f"/{tail}" if tail else ""
    return f"/accounts/{pseudonym(conn, 'account', name)}{suffix}" if name else path


@dataclass
class Context:
    """Everything the routes share: config, store access, auth state, audit.

    One SQLite connection per worker thread (``sqlite3`` connections are not
    shared across threads safely under concurrent use).
    """

    data_dir: Path
    config: DashboardConfig
    codec: SessionCodec
    throttle: Throttle
    devices: DeviceCookies
    auth_store: AuthStore
    auth_log: AuthLog
    totp_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    clock: Callable[[], float] = time.time
    templates: Jinja2Templates = field(init=False)
    _local: threading.local = field(init=False, default_factory=threading.local)
    _chain: tuple[float, ChainStatus] | None = field(init=False, default=None)
    _chain_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _verifying: threading.Thread | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
        env = self.templates.env
        env.filters["ts"] = _fmt_ts
        env.filters["duration"] = _fmt_duration
        env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, sort_keys=True)
        env.globals["qs"] = _qs

    def conn(self) -> sqlite3.Connection:
        """This thread's connection to the store."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_store(self.data_dir)
            self._local.conn = conn
        return conn

    def audit(self) -> AuditLog:
        """The audit chain on this thread's connection."""
        return AuditLog(self.conn(), clock=self.clock)

    def session(self, request: Request) -> Session | None:
        """The request's valid session, if any (cached on the request)."""
        if not hasattr(request.state, "session"):
            cookie = request.cookies.get(SessionCodec.cookie_name)
            request.state.session = self.codec.loads(cookie)
        found: Session | None = request.state.session
        return found

    def user(self, request: Request) -> User | None:
        """The fully signed-in user, or ``None``; a user removed from the config is signed out.

        A session past the password but not the second factor is not signed in.
        """
        session = self.session(request)
        if session is None or session.user is None or session.stage != "full":
            return None
        return self.config.users.get(session.user)

    def authorize(self, request: Request, role: Role) -> User:
        """The signed-in user with at least ``role``; writes the page view or the denial.

        Raises:
            NotAuthenticated: no fully signed-in user.
            Forbidden: the user's role is below ``role``.
        """
        user = self.user(request)
        if user is None:
            raise NotAuthenticated()
        if user.role < role:
            self.audit().append(
                actor_of(user),
                "access_denied",
                audited_path(request.url.path, self.conn()),
                {"method": request.method, "needs": role.name.lower()},
            )
            raise Forbidden(f"this needs the {role.name.lower()} role")
        if request.method == "GET":
            query = audited_query(request.url.query, conn=self.conn())
            self.audit().append(
                actor_of(user),
                "page_view",
                audited_path(request.url.path, self.conn()),
                {"query": query} if query else {},
            )
        return user

    async def csrf_guard(self, request: Request) -> None:
        """App-wide dependency: every unsafe method needs the session's CSRF token."""
        if request.method not in UNSAFE_METHODS:
            return
        session = self.session(request)
        if session is None:
            if request.url.path == "/login":
                raise Forbidden("your session expired; reload the login page")
            raise NotAuthenticated()
        if session.user is None and request.url.path != "/login":
            raise NotAuthenticated()
        token = request.headers.get("x-csrf-token")
        if token is None:
            form = await request.form()
            value = form.get("csrf_token")
            token = value if isinstance(value, str) else None
        if not token or not hmac.compare_digest(token.encode(), session.csrf.encode()):
            raise Forbidden("the form's CSRF token is missing or wrong; reload the page")

    def secure_cookie(self, request: Request) -> bool:
        """Whether cookies get the ``Secure`` flag: forced by config, else when on TLS."""
        if self.config.secure_cookies is not None:
            return self.config.secure_cookies
        return request.url.scheme == "https"

    def _verify_into_cache(self) -> tuple[float, ChainStatus]:
        """Verify the whole chain on a private connection and cache the result."""
        started = self.clock()
        try:
            conn = open_store(self.data_dir)
            try:
                status = AuditLog(conn).verify()
            finally:
                conn.close()
        except Exception as exc:  # a store error must not leave verification stuck
            status = ChainStatus(False, 0, None, f"could not verify: {exc.__class__.__name__}")
        with self._chain_lock:
            self._chain = (started, status)
            self._verifying = None
        return started, status

    def chain_status(
        self, max_age: float = 60.0, force: bool = False, wait: float = 2.0
    ) -> tuple[float, ChainStatus] | None:
        """The audit chain's verification status, re-verified in the background when stale.

        A full verification is O(entries); pages never wait for more than
        ``wait`` seconds: they show the last completed result (with its time)
        while a fresh one runs. ``force`` verifies now, synchronously.

        Returns:
            ``(checked_at, status)``, or ``None`` while the first verification runs.
        """
        if force:
            return self._verify_into_cache()
        now = self.clock()
        with self._chain_lock:
            cached = self._chain
            running = self._verifying
            if (cached is None or now - cached[0] >= max_age) and running is None:
                running = threading.Thread(
                    target=self._verify_into_cache, name="audit-verify", daemon=True
                )
                self._verifying = running
                running.start()
        if cached is None and running is not None:
            running.join(wait)
            with self._chain_lock:
                cached = self._chain
        return cached
