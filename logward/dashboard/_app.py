"""The FastAPI app factory: middleware, error handlers, login/logout and static files."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from logward.dashboard._auth import AuthLog, SessionCodec, make_limiter, verify_password
from logward.dashboard._config import DashboardConfig, Role, load_secret
from logward.dashboard._pages import register_pages
from logward.dashboard._web import Context, Forbidden, NotAuthenticated, actor_of, client_ip
from logward.paths import data_dir as resolve_data_dir

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
# name -> (file, needs login). Only these are served; nothing else under static/ is reachable.
STATIC_FILES = {
    "app.css": ("app.css", False),
    "dashboard.js": ("dashboard.js", True),
    "chart.umd.js": ("vendor/chart.umd.js", True),
}
MAX_QUERY = 2048
MAX_BODY = 64 * 1024
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none';"
    " frame-ancestors 'none'"
)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _safe_next(target: str | None) -> str:
    """Only same-site absolute paths; anything else (``//evil``, ``https://``) goes home."""
    if not target or len(target) > 500:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or target.startswith("/login"):
        return "/"
    return target


def _install_middleware(app: FastAPI, ctx: Context) -> None:
    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if len(request.scope.get("query_string", b"")) > MAX_QUERY:
            response: Response = PlainTextResponse("query string too long", status_code=414)
        elif int(request.headers.get("content-length") or 0) > MAX_BODY:
            response = PlainTextResponse("request body too large", status_code=413)
        else:
            try:
                response = await call_next(request)
            except Exception as exc:  # fail closed: no traceback or message leaves the app
                logger.error(
                    "dashboard error on %s %s: %s",
                    request.method,
                    request.url.path,
                    exc.__class__.__name__,
                )
                if _wants_json(request):
                    response = JSONResponse({"error": "internal error"}, status_code=500)
                else:
                    response = PlainTextResponse("internal error; it has been logged", 500)
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.url.path.startswith("/static/"):
            headers["Cache-Control"] = "private, max-age=3600"
        else:
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        if request.url.scheme == "https":
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


def _install_handlers(app: FastAPI, ctx: Context) -> None:
    def error(request: Request, status: int, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=status)
        return ctx.templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "message": message, "user": ctx.user(request)},
            status_code=status,
        )

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _wants_json(request) or request.method != "GET":
            return JSONResponse(
                {"error": "authentication required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Cookie realm="logward-dashboard"'},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(_safe_next(target), safe='')}", 303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return error(request, 403, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request rejected"
        return error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # Name the fields, never echo the input (it may be anything a caller typed).
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        return error(request, 400, "invalid parameter(s): " + ", ".join(fields))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        logger.error(
            "dashboard error on %s %s: %s", request.method, request.url.path, exc.__class__.__name__
        )
        return error(request, 500, "internal error; it has been logged")


def _install_auth_routes(app: FastAPI, ctx: Context) -> None:
    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str | None = None) -> Response:
        if ctx.user(request) is not None:
            return RedirectResponse(_safe_next(next), 303)
        session = ctx.session(request) or ctx.codec.new()
        response = ctx.templates.TemplateResponse(
            request,
            "login.html",
            {"csrf": session.csrf, "next": _safe_next(next), "message": "", "user": None},
        )
        _set_cookie(ctx, request, response, ctx.codec.dumps(session))
        return response

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        name = str(form.get("username") or "")[:200]
        password = str(form.get("password") or "")[:1000]
        target = _safe_next(str(form.get("next") or "/"))
        ip = client_ip(request)
        user = ctx.config.users.get(name)
        known = user is not None
        session = ctx.session(request)
        assert session is not None  # csrf_guard guarantees it
        wait = ctx.limiter.retry_after(ip, name)
        if wait > 0:
            ctx.auth_log.login(name, known, ip, "failure", "rate_limited")
            ctx.audit().append(
                "dashboard:anonymous", "login_blocked", name if known else "", {"source.ip": ip}
            )
            return _login_page(
                ctx,
                request,
                session.csrf,
                target,
                "Too many failed attempts; try again later.",
                429,
                {"Retry-After": str(int(wait) + 1)},
            )
        if not verify_password(user, password):
            ctx.limiter.failed(ip, name)
            ctx.auth_log.login(name, known, ip, "failure")
            ctx.audit().append(
                "dashboard:anonymous", "login_failure", name if known else "", {"source.ip": ip}
            )
            return _login_page(
                ctx, request, session.csrf, target, "Invalid user name or password.", 401
            )
        assert user is not None
        ctx.limiter.succeeded(name)
        ctx.auth_log.login(name, True, ip, "success")
        ctx.audit().append(actor_of(user), "login", user.name, {"source.ip": ip})
        fresh = ctx.codec.new(user.name)
        response = RedirectResponse(target, 303)
        _set_cookie(ctx, request, response, ctx.codec.dumps(fresh))
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, user: object = Depends(ctx.require(Role.VIEWER))) -> Response:
        session = ctx.session(request)
        if session is not None:
            ctx.codec.end(session)
        name = session.user if session and session.user else ""
        ctx.audit().append(f"dashboard:{name}", "logout", name, {})
        response = RedirectResponse("/login", 303)
        response.delete_cookie(SessionCodec.cookie_name, path="/")
        return response

    @app.get("/static/{name}", include_in_schema=False)
    def static(request: Request, name: str) -> Response:
        entry = STATIC_FILES.get(name)
        if entry is None:
            raise StarletteHTTPException(404, "not found")
        if entry[1] and ctx.user(request) is None:
            raise NotAuthenticated()
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return FileResponse(STATIC_DIR / entry[0], media_type=media)


def _login_page(
    ctx: Context,
    request: Request,
    csrf: str,
    target: str,
    message: str,
    status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    return ctx.templates.TemplateResponse(
        request,
        "login.html",
        {"csrf": csrf, "next": target, "message": message, "user": None},
        status_code=status,
        headers=headers,
    )


def _set_cookie(ctx: Context, request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        SessionCodec.cookie_name,
        value,
        max_age=int(ctx.codec.max_age),
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookie(request),
        path="/",
    )


def create_app(
    data_dir: str | os.PathLike[str] | None,
    config: DashboardConfig,
    *,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """Build the dashboard app over the store in ``data_dir``.

    Args:
        data_dir: the shared ``--data-dir`` (the monitor's store lives there).
        config: users, roles and limits (see :func:`load_config`).
        clock: current time; injected by tests.

    Returns:
        The ASGI app; serve it with uvicorn.

    Raises:
        ConfigError: the signing secret cannot be loaded.
        StoreError: the store cannot be opened.
    """
    directory = resolve_data_dir(data_dir)
    secret = load_secret(config, directory)
    ctx = Context(
        data_dir=directory,
        config=config,
        codec=SessionCodec(secret, config.session_max_age, clock),
        limiter=make_limiter(config, clock),
        auth_log=AuthLog(directory / config.auth_log, secret, clock),
        clock=clock,
    )
    ctx.conn()  # fail fast if the store cannot be opened
    app = FastAPI(
        title="logward dashboard",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(ctx.csrf_guard)],
    )
    app.state.ctx = ctx
    _install_middleware(app, ctx)
    _install_handlers(app, ctx)
    _install_auth_routes(app, ctx)
    register_pages(app, ctx)
    return app
