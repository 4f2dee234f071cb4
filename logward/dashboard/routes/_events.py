"""The access-event search and one event's page."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from starlette.responses import Response

from logward.dashboard import _queries as q
from logward.dashboard._routing import (
    SQLITE_MAX_INT,
    Ctx,
    Order,
    Page,
    Text,
    Viewer,
    parse_time,
    render,
)

__all__ = ["router"]

router = APIRouter()


@router.get("/events")
def events_page(
    request: Request,
    ctx: Ctx,
    user: Viewer,
    user_name: Annotated[str | None, Query(alias="user", max_length=200)] = None,
    ip: Text = None,
    outcome: Text = None,
    category: Text = None,
    since: Text = None,
    until: Text = None,
    file: Annotated[str | None, Query(max_length=1000)] = None,
    line: Annotated[int | None, Query(ge=0, le=SQLITE_MAX_INT)] = None,
    sort: Literal[tuple(q.EVENT_SORTS)] = "ts",  # type: ignore[valid-type]
    order: Order = "desc",
    page: Page = 1,
) -> Response:
    """Access events filtered by user, address, outcome, category, time or source line."""
    listing = q.event_list(
        ctx.conn(),
        user=user_name,
        ip=ip,
        outcome=outcome,
        category=category,
        since=parse_time(since, "since"),
        until=parse_time(until, "until"),
        file=file,
        line=line,
        sort=sort,
        order=order,
        page=page,
        page_size=ctx.config.page_size,
    )
    raw = {"since": since, "until": until}
    return render(ctx, request, "events.html", user, listing=listing, raw=raw)


@router.get("/events/{event_id}")
def event_page(
    request: Request,
    event_id: Annotated[int, Path(ge=1, le=2**62)],
    ctx: Ctx,
    user: Viewer,
) -> Response:
    """One access event with its stored document."""
    row = ctx.conn().execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
    if row is None:
        raise HTTPException(404, "no such event")
    event = dict(row)
    try:
        doc = json.loads(event["doc"])
    except ValueError:
        doc = {"unreadable": True}
    return render(ctx, request, "event.html", user, e=event, doc=doc)
