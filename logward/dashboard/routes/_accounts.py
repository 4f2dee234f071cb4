"""An account's page, and the responder's actions on it: reinstate, set its alerts' status.

Accounts are addressed by a query parameter (``/account?name=...``): an
attacker-chosen name ("a/b", "..", "x?y#z", newlines) survives a query string
intact, while browsers and routers rewrite paths. The ``/accounts/{name}``
routes stay for old links; their ``path`` converter accepts raw or %2F slashes.
Each pair of routes shares one body.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from logward.dashboard import _overview as ov
from logward.dashboard._actions import ActionError, reinstate_account, set_account_alerts_status
from logward.dashboard._config import User
from logward.dashboard._routing import (
    Ctx,
    Name,
    QName,
    Reason,
    Responder,
    Status,
    Viewer,
    account_url,
    action_error,
    render,
)
from logward.dashboard._web import Context, actor_of

__all__ = ["router"]

router = APIRouter()


@router.get("/account")
def account_query_page(request: Request, name: QName, ctx: Ctx, user: Viewer) -> Response:
    """An account's page, the name in the query string."""
    return _account(ctx, request, name, user)


@router.get("/accounts/{name:path}")
def account_page(request: Request, name: Name, ctx: Ctx, user: Viewer) -> Response:
    """An account's page, the name in the path (old links)."""
    return _account(ctx, request, name, user)


def _account(ctx: Context, request: Request, name: str, user: User) -> Response:
    view = ov.account_view(ctx.conn(), name)
    if not view["known"]:
        raise HTTPException(404, "no such account in the store")
    return render(ctx, request, "account.html", user, a=view)


@router.post("/account/reinstate")
def reinstate_query(name: QName, ctx: Ctx, user: Responder, reason: Reason = "") -> Response:
    """Reinstate an account, the name in the query string."""
    return _reinstate(ctx, name, reason, user)


@router.post("/accounts/{name:path}/reinstate")
def reinstate(name: Name, ctx: Ctx, user: Responder, reason: Reason = "") -> Response:
    """Reinstate an account, the name in the path (old links)."""
    return _reinstate(ctx, name, reason, user)


def _reinstate(ctx: Context, name: str, reason: str, user: User) -> Response:
    try:
        reinstate_account(ctx.conn(), name, actor_of(user), reason, ctx.clock)
    except ActionError as exc:
        raise action_error(exc) from None
    return RedirectResponse(account_url(name), 303)


@router.post("/account/status")
def account_query_status(
    name: QName, status: Status, ctx: Ctx, user: Responder, reason: Reason = ""
) -> Response:
    """Set the status of an account's open alerts, the name in the query string."""
    return _account_status(ctx, name, status, reason, user)


@router.post("/accounts/{name:path}/status")
def account_status(
    name: Name, status: Status, ctx: Ctx, user: Responder, reason: Reason = ""
) -> Response:
    """Set the status of an account's open alerts, the name in the path (old links)."""
    return _account_status(ctx, name, status, reason, user)


def _account_status(ctx: Context, name: str, status: str, reason: str, user: User) -> Response:
    try:
        set_account_alerts_status(ctx.conn(), name, status, actor_of(user), reason)
    except ActionError as exc:
        raise action_error(exc) from None
    return RedirectResponse(account_url(name), 303)
