"""The allow-list suggestions page: keys whose alerts were marked false positive."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from logward.dashboard import _overview as ov
from logward.dashboard._routing import Ctx, Viewer, render

__all__ = ["router"]

router = APIRouter()


@router.get("/suggestions")
def suggestions_page(request: Request, ctx: Ctx, user: Viewer) -> Response:
    """Candidates for the allow-list, the most often dismissed first."""
    rows = ov.allowlist_suggestions(ctx.conn())
    return render(ctx, request, "suggestions.html", user, rows=rows)
