"""The audit log: its page, its verification status, a forced re-verification, the export.

Least privilege: a viewer reads the audit log and its last verification status;
exporting it in bulk and forcing a full re-verification (costly) are for
responders and admins.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from starlette.responses import Response

from logward._csv import SafeCsvWriter
from logward.dashboard import _queries as q
from logward.dashboard._routing import (
    Ctx,
    Order,
    Page,
    Responder,
    Text,
    Viewer,
    parse_time,
    render,
)
from logward.dashboard._web import Context, actor_of
from monitor import iso_time, open_store, resolve_pseudonyms

__all__ = ["EXPORT_COLUMNS", "router"]

router = APIRouter()


def audit_filters(
    actor: Text = None, action: Text = None, since: Text = None, until: Text = None
) -> dict[str, Any]:
    """The filters the audit page and the export share."""
    return {
        "actor": actor,
        "action": action,
        "since": parse_time(since, "since"),
        "until": parse_time(until, "until"),
    }


audit_filter_dep = Depends(audit_filters)


@router.get("/audit")
def audit_page(
    request: Request,
    ctx: Ctx,
    user: Viewer,
    filters: dict[str, Any] = audit_filter_dep,
    order: Order = "desc",
    page: Page = 1,
    since: Text = None,
    until: Text = None,
) -> Response:
    """The audit chain, filtered, with its last verification result."""
    conn = ctx.conn()
    listing = q.audit_list(conn, order=order, page=page, page_size=ctx.config.page_size, **filters)
    verified = ctx.chain_status()
    actions = q.distinct_values(conn, "audit", "action")
    # Subjects are pseudonyms in the chain (issue 12); signed-in readers see who.
    names = {r["subject"]: resolve_pseudonyms(conn, r["subject"]) for r in listing.rows}
    return render(
        ctx,
        request,
        "audit.html",
        user,
        listing=listing,
        verified=verified,
        actions=actions,
        names=names,
        raw={"since": since, "until": until},
    )


@router.post("/audit/verify")
def audit_verify(ctx: Ctx, user: Responder) -> Response:
    """Verify the whole chain now (audited)."""
    ctx.chain_status(force=True)
    ctx.audit().append(actor_of(user), "audit_verify", "", {})
    return RedirectResponse("/audit", 303)


@router.get("/api/audit/status")
def audit_status(ctx: Ctx, user: Viewer) -> JSONResponse:
    """The last verification result, or ``verifying`` while the first one runs."""
    verified = ctx.chain_status()
    if verified is None:
        return JSONResponse({"ok": None, "state": "verifying"})
    checked_at, chain = verified
    return JSONResponse(
        {
            "ok": chain.ok,
            "entries": chain.entries,
            "first_bad_seq": chain.first_bad_seq,
            "reason": chain.reason,
            "checked_at": checked_at,
        }
    )


@router.get("/audit/export")
def audit_export(
    ctx: Ctx,
    user: Responder,
    filters: dict[str, Any] = audit_filter_dep,
    fmt: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
) -> Response:
    """The filtered chain as CSV or JSON, streamed (the export itself is audited)."""
    ctx.audit().append(
        actor_of(user), "audit_export", fmt, {k: v for k, v in filters.items() if v is not None}
    )
    name = f"logward-audit.{fmt}"
    body = _export(ctx, filters, fmt)
    media = "text/csv" if fmt == "csv" else "application/json"
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _export(ctx: Context, filters: dict[str, Any], fmt: str) -> Iterator[str]:
    """Stream the export on its own connection (the response is iterated off-thread)."""
    conn = open_store(ctx.data_dir)
    try:
        rows = q.audit_export_rows(conn, **filters)
        yield from _csv_lines(rows) if fmt == "csv" else _json_lines(rows)
    finally:
        conn.close()


EXPORT_COLUMNS = ("seq", "ts", "time", "actor", "action", "subject", "detail", "prev_hash", "hash")


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)  # neutralises spreadsheet formulas
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        row["time"] = iso_time(float(row["ts"]))
        writer.writerow([row[c] for c in EXPORT_COLUMNS])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for row in rows:
        row["detail"] = json.loads(row["detail"])
        row["time"] = iso_time(float(row["ts"]))
        yield ("" if first else ",\n") + json.dumps(row, sort_keys=True)
        first = False
    yield "]\n"
