"""The FastAPI app factory: middleware, error handlers, login/logout and static files."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from logward.dashboard._auth import AuthLog, SessionCodec
from logward.dashboard._authstore import SqliteAuthStore
from logward.dashboard._config import DashboardConfig, load_secret
from logward.dashboard._routing import Ctx
from logward.dashboard._signin import router as signin_router
from logward.dashboard._signin import safe_next
from logward.dashboard._throttle import DeviceCookies, Throttle
from logward.dashboard._totp import TotpBox
from logward.dashboard._web import Context, Forbidden, NotAuthenticated
from logward.dashboard.routes import ROUTERS
from logward_base.errors import ConfigError
from logward_base.paths import data_dir as resolve_data_dir

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
        return RedirectResponse(f"/login?next={quote(safe_next(target), safe='')}", 303)

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


static_router = APIRouter()


@static_router.get("/static/{name}", include_in_schema=False)
def static(request: Request, ctx: Ctx, name: str) -> Response:
    """One of :data:`STATIC_FILES`; the scripts only for a signed-in user."""
    entry = STATIC_FILES.get(name)
    if entry is None:
        raise StarletteHTTPException(404, "not found")
    if entry[1] and ctx.user(request) is None:
        raise NotAuthenticated()
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(STATIC_DIR / entry[0], media_type=media)


def _open_totp_secrets(config: DashboardConfig) -> dict[str, str]:
    """Open every enrolled user's sealed TOTP secret; warn about what is off."""
    enrolled = {name: u for name, u in config.users.items() if u.totp_secret}
    if not config.require_2fa:
        logger.warning(
            "require_2fa is false: users without a TOTP code sign in with a password alone"
        )
    missing = sorted(set(config.users) - set(enrolled))
    if missing and config.require_2fa:
        logger.warning(
            "%s user(s) have no TOTP secret and cannot sign in until enrolled"
            " (logward dashboard adduser NAME --totp)",
            len(missing),
        )
    if not enrolled:
        return {}
    if config.totp_key_file is None:
        raise ConfigError("totp_key_file: users have TOTP secrets but no key file is configured")
    box = TotpBox(config.totp_key_file)
    return {name: box.open(str(u.totp_secret), name) for name, u in enrolled.items()}


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
    store = SqliteAuthStore(directory)
    limits = config.login_limits
    ctx = Context(
        data_dir=directory,
        config=config,
        codec=SessionCodec(secret, config.session_max_age, store, clock),
        throttle=Throttle(store, limits.per_ip, limits.per_user, limits.window, clock=clock),
        devices=DeviceCookies(secret),
        auth_store=store,
        auth_log=AuthLog(directory / config.auth_log, secret, clock),
        totp_secrets=_open_totp_secrets(config),
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
    app.include_router(signin_router)
    app.include_router(static_router)
    for router in ROUTERS:
        app.include_router(router)
    return app
