"""The sign-in flow: password, then a TOTP (or recovery) code, then a fresh session.

Every step is audited in the hash chain and written to the login event log the
monitor watches. Blocked attempts are throttled (see ``_throttle``) and audited
as one record per throttle window, not one row per attempt.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from logward.dashboard._auth import Session, SessionCodec, verify_password
from logward.dashboard._config import User
from logward.dashboard._routing import Ctx, Viewer
from logward.dashboard._totp import match_recovery_code, verify_code
from logward.dashboard._web import Context, actor_of, client_ip
from monitor import pseudonym

__all__ = ["router", "safe_next", "set_session_cookie"]


def _ip(ctx: Context, ip: str) -> str:
    """A signing-in client's address as the audit chain keeps it: by pseudonym (issue 12)."""
    return pseudonym(ctx.conn(), "ip", ip) if ip else ip


def safe_next(target: str | None) -> str:
    """Only same-site absolute paths; anything else (``//evil``, ``https://``) goes home."""
    if not target or len(target) > 500:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or target.startswith("/login"):
        return "/"
    return target


def set_session_cookie(ctx: Context, request: Request, response: Response, value: str) -> None:
    """Set the session cookie (HttpOnly, SameSite=Strict, Secure on TLS)."""
    response.set_cookie(
        SessionCodec.cookie_name,
        value,
        max_age=int(ctx.codec.max_age),
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookie(request),
        path="/",
    )


def _page(
    ctx: Context,
    request: Request,
    template: str,
    csrf: str,
    target: str,
    message: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return ctx.templates.TemplateResponse(
        request,
        template,
        {"csrf": csrf, "next": target, "message": message, "user": None},
        status_code=status,
        headers=headers,
    )


def _blocked(ctx: Context, request: Request, name: str, known: bool, wait: float) -> None:
    """Record a blocked attempt: one audit record and one log line per throttle window.

    The record carries the previous window's count, so the totals are kept
    without one row per attempt (an attacker cannot grow the chain or the log).
    """
    ip = client_ip(request)
    window = ctx.config.login_limits.window
    bucket = int(ctx.clock() // window)
    first, previous = ctx.auth_store.blocked(bucket)
    if first:
        ctx.auth_log.login(name, known, ip, "failure", "rate_limited")
        ctx.audit().append(
            "dashboard:anonymous",
            "login_blocked",
            "",
            {
                "window_start": bucket * window,
                "window_seconds": window,
                "first_source.ip": _ip(ctx, ip),
                "previous_window_blocked": previous,
            },
        )


def _complete(ctx: Context, request: Request, user: User, old: Session, target: str) -> Response:
    """Both factors passed: rotate the session id, mark this device as known."""
    ctx.codec.end(old)
    fresh = ctx.codec.new(user.name)
    response = RedirectResponse(target, 303)
    set_session_cookie(ctx, request, response, ctx.codec.dumps(fresh))
    response.set_cookie(
        ctx.devices.cookie_name,
        ctx.devices.issue(user.name),
        max_age=int(ctx.devices.max_age),
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookie(request),
        path="/login",
    )
    return response


router = APIRouter()
"""``/login``, ``/login/2fa`` and ``/logout``."""


@router.get("/login", include_in_schema=False)
def login_form(request: Request, ctx: Ctx, next: str | None = None) -> Response:
    """The sign-in form, with a fresh pre-login session (and its CSRF token)."""
    if ctx.user(request) is not None:
        return RedirectResponse(safe_next(next), 303)
    session = ctx.session(request)
    if session is None or session.user is not None:
        session = ctx.codec.new()
    response = _page(ctx, request, "login.html", session.csrf, safe_next(next), "")
    set_session_cookie(ctx, request, response, ctx.codec.dumps(session))
    return response


@router.post("/login", include_in_schema=False)
async def login(request: Request, ctx: Ctx) -> Response:
    """The password step: throttled, audited; then the second factor or a session."""
    form = await request.form()
    name = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")[:1000]
    target = safe_next(str(form.get("next") or "/"))
    ip = client_ip(request)
    user = ctx.config.users.get(name)
    known = user is not None
    session = ctx.session(request)
    assert session is not None  # csrf_guard guarantees it
    device = ctx.devices.device_for(request.cookies.get(ctx.devices.cookie_name), name)
    verdict = ctx.throttle.check(ip, name, device)
    if verdict.wait > 0:
        _blocked(ctx, request, name, known, verdict.wait)
        return _page(ctx, request, "login.html", session.csrf, target,
                     "Too many failed attempts; try again later.", 429,
                     {"Retry-After": str(int(verdict.wait) + 1)})  # fmt: skip
    if not verify_password(user, password):
        ctx.throttle.failed(ip, name, device)
        ctx.auth_log.login(name, known, ip, "failure")
        ctx.audit().append(
            "dashboard:anonymous",
            "login_failure",
            name if known else "",
            {"source.ip": _ip(ctx, ip)},
        )
        return _page(ctx, request, "login.html", session.csrf, target,
                     "Invalid user name or password.", 401)  # fmt: skip
    assert user is not None
    ctx.throttle.succeeded(ip, name, device)
    if user.name not in ctx.totp_secrets:
        if ctx.config.require_2fa:
            ctx.auth_log.login(name, True, ip, "failure", "2fa_not_enrolled")
            why = {"source.ip": _ip(ctx, ip), "reason": "two-factor not enrolled"}
            ctx.audit().append(actor_of(user), "login_refused", user.name, why)
            return _page(ctx, request, "login.html", session.csrf, target,
                         "Two-factor sign-in is required but not set up for this user;"
                         " ask an administrator.", 403)  # fmt: skip
        ctx.auth_log.login(name, True, ip, "success")
        ctx.audit().append(actor_of(user), "login", user.name, {"source.ip": _ip(ctx, ip)})
        return _complete(ctx, request, user, session, target)
    ctx.audit().append(actor_of(user), "login_password_ok", user.name, {"source.ip": _ip(ctx, ip)})
    pending = ctx.codec.new(user.name, stage="password")
    response = RedirectResponse(f"/login/2fa?next={quote(target, safe='')}", 303)
    set_session_cookie(ctx, request, response, ctx.codec.dumps(pending))
    return response


@router.get("/login/2fa", include_in_schema=False)
def second_form(request: Request, ctx: Ctx, next: str | None = None) -> Response:
    """The second-factor form, for a session past the password step only."""
    session = ctx.session(request)
    if session is None or session.user is None or session.stage != "password":
        return RedirectResponse("/login", 303)
    return _page(ctx, request, "login_2fa.html", session.csrf, safe_next(next), "")


@router.post("/login/2fa", include_in_schema=False)
async def second(request: Request, ctx: Ctx) -> Response:
    """The TOTP or recovery-code step: throttled, audited, each code used once."""
    form = await request.form()
    code = str(form.get("code") or "")[:40]
    target = safe_next(str(form.get("next") or "/"))
    ip = client_ip(request)
    session = ctx.session(request)
    if session is None or session.user is None or session.stage != "password":
        return RedirectResponse("/login", 303)
    user = ctx.config.users.get(session.user)
    secret = ctx.totp_secrets.get(session.user)
    if user is None or secret is None:
        return RedirectResponse("/login", 303)
    device = ctx.devices.device_for(request.cookies.get(ctx.devices.cookie_name), user.name)
    verdict = ctx.throttle.check(ip, user.name, device, factor="totp")
    if verdict.wait > 0:
        _blocked(ctx, request, user.name, True, verdict.wait)
        return _page(ctx, request, "login_2fa.html", session.csrf, target,
                     "Too many wrong codes; try again later.", 429,
                     {"Retry-After": str(int(verdict.wait) + 1)})  # fmt: skip
    method = _check_code(ctx, user, secret, code)
    if method is None:
        ctx.throttle.failed(ip, user.name, device, factor="totp")
        ctx.auth_log.login(user.name, True, ip, "failure", "bad_code", action="login_2fa")
        ctx.audit().append(
            actor_of(user), "login_2fa_failure", user.name, {"source.ip": _ip(ctx, ip)}
        )
        return _page(ctx, request, "login_2fa.html", session.csrf, target,
                     "That code is wrong or was already used.", 401)  # fmt: skip
    ctx.throttle.succeeded(ip, user.name, device, factor="totp")
    ctx.auth_log.login(user.name, True, ip, "success")
    ctx.audit().append(actor_of(user), "login", user.name,
                       {"source.ip": _ip(ctx, ip), "second_factor": method})  # fmt: skip
    return _complete(ctx, request, user, session, target)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, ctx: Ctx, user: Viewer) -> Response:
    """End the session (audited) and drop its cookie."""
    session = ctx.session(request)
    if session is not None:
        ctx.codec.end(session)
    name = session.user if session and session.user else ""
    ctx.audit().append(f"dashboard:{name}", "logout", name, {})
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SessionCodec.cookie_name, path="/")
    return response


def _check_code(ctx: Context, user: User, secret: str, code: str) -> str | None:
    """``totp`` or ``recovery`` if ``code`` is valid and unused (and now marked used)."""
    step = verify_code(secret, code, ctx.clock(), ctx.auth_store.totp_last_step(user.name))
    if step is not None:
        return "totp" if ctx.auth_store.totp_claim_step(user.name, step) else None
    if not user.recovery_hashes or len(code.strip()) < 8:
        return None
    used = ctx.auth_store.recovery_used(user.name)
    matched = match_recovery_code(code, user.recovery_hashes, used)
    if matched is not None and ctx.auth_store.recovery_claim(user.name, matched):
        return "recovery"
    return None
