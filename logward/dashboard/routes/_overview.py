"""The overview page (``/``) and the JSON its charts read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from logward.dashboard import _overview as ov
from logward.dashboard._routing import Ctx, Viewer, render
from monitor.notify import notification_summary

__all__ = ["router"]

router = APIRouter()


@router.get("/")
def overview_page(request: Request, ctx: Ctx, user: Viewer) -> Response:
    """Alerts, deadlines, notifications and scrub health of the last day."""
    now = ctx.clock()
    data = ov.overview(ctx.conn(), now, ctx.config.incident_deadline)
    return render(
        ctx,
        request,
        "overview.html",
        user,
        data=data,
        deadline_hours=ctx.config.incident_deadline / 3600,
        notifications=notification_summary(ctx.conn(), now - 86400),
    )


@router.get("/api/charts/overview")
def overview_charts(ctx: Ctx, user: Viewer) -> JSONResponse:
    """The overview's chart series: alerts, failure and request rates, scrub counts."""
    now = ctx.clock()
    since = now - 86400
    conn = ctx.conn()
    return JSONResponse(
        {
            "alerts": ov.alerts_over_time(conn, since, now),
            "failures": ov.rate_chart(conn, "failures", now - 6 * 3600, now),
            "requests": ov.rate_chart(conn, "requests", now - 6 * 3600, now),
            "scrub": ov.scrub_health(conn, since),
        }
    )
