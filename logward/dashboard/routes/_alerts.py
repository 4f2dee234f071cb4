"""The alert list, one alert's page with its evidence, and an alert's status change."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from logward.dashboard import _overview as ov
from logward.dashboard import _queries as q
from logward.dashboard._actions import ActionError, set_alert_status
from logward.dashboard._routing import (
    AlertId,
    Ctx,
    Order,
    Page,
    Reason,
    Responder,
    Status,
    Text,
    Viewer,
    action_error,
    render,
)
from logward.dashboard._web import actor_of

__all__ = ["router"]

router = APIRouter()


def alert_listing(
    ctx: Ctx,
    user: Viewer,
    rule: Text = None,
    severity: Text = None,
    status: Text = None,
    key: Text = None,
    sort: Literal[tuple(q.ALERT_SORTS)] = "created",  # type: ignore[valid-type]
    order: Order = "desc",
    page: Page = 1,
) -> q.ListPage:
    """The filtered, sorted page of alerts both the page and the API show."""
    return q.alert_list(
        ctx.conn(),
        rule=rule,
        severity=severity,
        status=status,
        key=key,
        sort=sort,
        order=order,
        page=page,
        page_size=ctx.config.page_size,
    )


alerts_dep = Depends(alert_listing)


@router.get("/alerts")
def alerts_page(
    request: Request, ctx: Ctx, user: Viewer, listing: q.ListPage = alerts_dep
) -> Response:
    """The alert list with its filters' choices."""
    conn = ctx.conn()
    choices = {c: q.distinct_values(conn, "alerts", c) for c in ("rule", "severity", "status")}
    return render(ctx, request, "alerts.html", user, listing=listing, choices=choices)


@router.get("/api/alerts")
def alerts_api(user: Viewer, listing: q.ListPage = alerts_dep) -> JSONResponse:
    """The same page of alerts as JSON."""
    return JSONResponse(
        {
            "rows": listing.rows,
            "total": listing.total,
            "page": listing.page,
            "pages": listing.pages,
        }
    )


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: AlertId, ctx: Ctx, user: Viewer) -> Response:
    """One alert: its events, its account and its history."""
    detail = ov.alert_detail(ctx.conn(), alert_id)
    if detail is None:
        raise HTTPException(404, "no such alert")
    return render(ctx, request, "alert.html", user, d=detail)


@router.get("/api/alerts/{alert_id}/evidence")
def alert_evidence(alert_id: AlertId, ctx: Ctx, user: Viewer) -> JSONResponse:
    """The alert page's chart: events per minute and distinct values."""
    detail = ov.alert_detail(ctx.conn(), alert_id)
    if detail is None:
        raise HTTPException(404, "no such alert")
    return JSONResponse({"per_minute": detail["per_minute"], "distinct": detail["distinct"]})


@router.post("/alerts/{alert_id}/status")
def alert_status(
    alert_id: AlertId, status: Status, ctx: Ctx, user: Responder, reason: Reason = ""
) -> Response:
    """Acknowledge, resolve or dismiss an alert (audited, with the reason)."""
    try:
        set_alert_status(ctx.conn(), alert_id, status, actor_of(user), reason)
    except ActionError as exc:
        raise action_error(exc) from None
    return RedirectResponse(f"/alerts/{alert_id}", 303)
