"""The dashboard's pages (server-rendered) and the JSON endpoints their charts read."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from starlette.responses import Response

from logward._csv import SafeCsvWriter
from logward.dashboard import _overview as ov
from logward.dashboard import _queries as q
from logward.dashboard._actions import (
    ActionError,
    reinstate_account,
    set_account_alerts_status,
    set_alert_status,
)
from logward.dashboard._config import Role, User
from logward.dashboard._web import Context, actor_of
from monitor import iso_time, open_store, resolve_pseudonyms
from monitor.notify import notification_summary

__all__ = ["account_url", "parse_time", "register_pages"]

SQLITE_MAX_INT = 2**63 - 1  # larger integers overflow SQLite's INTEGER
EARLIEST, LATEST = -62135596800.0, 253402300799.0  # 0001-01-01 .. 9999-12-31T23:59:59Z
MAX_NAME = 4096  # account names come from logs: never too long to open and reinstate
Text = Annotated[str | None, Query(max_length=200)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
Order = Annotated[Literal["asc", "desc"], Query()]
Name = Annotated[str, Path(min_length=1, max_length=MAX_NAME)]
QName = Annotated[str, Query(min_length=1, max_length=MAX_NAME)]
AlertId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Reason = Annotated[str, Form(max_length=1000)]


def account_url(name: str) -> str:
    """The dashboard URL of an account page, whatever characters the name holds."""
    return "/account?" + urlencode({"name": name})


def parse_time(value: str | None, field: str) -> float | None:
    """Parse a filter time: epoch seconds or ISO 8601 (naive means UTC).

    Raises:
        HTTPException: 400 naming the field when the value is not a time.
    """
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            seconds = moment.timestamp()
        except (ValueError, OverflowError):
            raise HTTPException(400, f"{field}: expected ISO 8601 or epoch seconds") from None
    if not EARLIEST <= seconds <= LATEST:  # also refuses nan and inf
        raise HTTPException(400, f"{field}: must be between years 1 and 9999")
    return seconds


def _action_error(exc: ActionError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


def register_pages(app: FastAPI, ctx: Context) -> None:
    """Add every page and API route to ``app``."""
    viewer = Depends(ctx.require(Role.VIEWER))
    responder = Depends(ctx.require(Role.RESPONDER))

    def render(request: Request, name: str, user: User, **values: Any) -> Response:
        session = ctx.session(request)
        values.update(user=user, csrf=session.csrf if session else "", now=ctx.clock())
        return ctx.templates.TemplateResponse(request, name, values)

    @app.get("/")
    def overview_page(request: Request, user: User = viewer) -> Response:
        now = ctx.clock()
        data = ov.overview(ctx.conn(), now, ctx.config.incident_deadline)
        return render(
            request,
            "overview.html",
            user,
            data=data,
            deadline_hours=ctx.config.incident_deadline / 3600,
            notifications=notification_summary(ctx.conn(), now - 86400),
        )

    @app.get("/api/charts/overview")
    def overview_charts(user: User = viewer) -> JSONResponse:
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

    def alert_listing(
        user: User = viewer,
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

    @app.get("/alerts")
    def alerts_page(
        request: Request, user: User = viewer, listing: q.ListPage = alerts_dep
    ) -> Response:
        conn = ctx.conn()
        choices = {c: q.distinct_values(conn, "alerts", c) for c in ("rule", "severity", "status")}
        return render(request, "alerts.html", user, listing=listing, choices=choices)

    @app.get("/api/alerts")
    def alerts_api(user: User = viewer, listing: q.ListPage = alerts_dep) -> JSONResponse:
        return JSONResponse(
            {
                "rows": listing.rows,
                "total": listing.total,
                "page": listing.page,
                "pages": listing.pages,
            }
        )

    @app.get("/alerts/{alert_id}")
    def alert_page(request: Request, alert_id: AlertId, user: User = viewer) -> Response:
        detail = ov.alert_detail(ctx.conn(), alert_id)
        if detail is None:
            raise HTTPException(404, "no such alert")
        return render(request, "alert.html", user, d=detail)

    @app.get("/api/alerts/{alert_id}/evidence")
    def alert_evidence(alert_id: AlertId, user: User = viewer) -> JSONResponse:
        detail = ov.alert_detail(ctx.conn(), alert_id)
        if detail is None:
            raise HTTPException(404, "no such alert")
        return JSONResponse({"per_minute": detail["per_minute"], "distinct": detail["distinct"]})

    @app.post("/alerts/{alert_id}/status")
    def alert_status(
        alert_id: AlertId,
        status: Annotated[str, Form(max_length=32)],
        user: User = responder,
        reason: Reason = "",
    ) -> Response:
        try:
            set_alert_status(ctx.conn(), alert_id, status, actor_of(user), reason)
        except ActionError as exc:
            raise _action_error(exc) from None
        return RedirectResponse(f"/alerts/{alert_id}", 303)

    # Accounts are addressed by a query parameter (``/account?name=...``): an
    # attacker-chosen name ("a/b", "..", "x?y#z", newlines) survives a query string
    # intact, while browsers and routers rewrite paths. The ``/accounts/{name}``
    # routes stay for old links; their ``path`` converter accepts raw or %2F slashes.
    @app.get("/account")
    def account_query_page(request: Request, name: QName, user: User = viewer) -> Response:
        return _account(request, name, user)

    @app.get("/accounts/{name:path}")
    def account_page(request: Request, name: Name, user: User = viewer) -> Response:
        return _account(request, name, user)

    def _account(request: Request, name: str, user: User) -> Response:
        view = ov.account_view(ctx.conn(), name)
        if not view["known"]:
            raise HTTPException(404, "no such account in the store")
        return render(request, "account.html", user, a=view)

    @app.post("/account/reinstate")
    def reinstate_query(name: QName, reason: Reason = "", user: User = responder) -> Response:
        return _reinstate(name, reason, user)

    @app.post("/accounts/{name:path}/reinstate")
    def reinstate(name: Name, reason: Reason = "", user: User = responder) -> Response:
        return _reinstate(name, reason, user)

    def _reinstate(name: str, reason: str, user: User) -> Response:
        try:
            reinstate_account(ctx.conn(), name, actor_of(user), reason, ctx.clock)
        except ActionError as exc:
            raise _action_error(exc) from None
        return RedirectResponse(account_url(name), 303)

    @app.post("/account/status")
    def account_query_status(
        name: QName,
        status: Annotated[str, Form(max_length=32)],
        reason: Reason = "",
        user: User = responder,
    ) -> Response:
        return _account_status(name, status, reason, user)

    @app.post("/accounts/{name:path}/status")
    def account_status(
        name: Name,
        status: Annotated[str, Form(max_length=32)],
        reason: Reason = "",
        user: User = responder,
    ) -> Response:
        return _account_status(name, status, reason, user)

    def _account_status(name: str, status: str, reason: str, user: User) -> Response:
        try:
            set_account_alerts_status(ctx.conn(), name, status, actor_of(user), reason)
        except ActionError as exc:
            raise _action_error(exc) from None
        return RedirectResponse(account_url(name), 303)

    @app.get("/suggestions")
    def suggestions_page(request: Request, user: User = viewer) -> Response:
        rows = ov.allowlist_suggestions(ctx.conn())
        return render(request, "suggestions.html", user, rows=rows)

    @app.get("/events")
    def events_page(
        request: Request,
        user: User = viewer,
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
        return render(request, "events.html", user, listing=listing, raw=raw)

    @app.get("/events/{event_id}")
    def event_page(
        request: Request,
        event_id: Annotated[int, Path(ge=1, le=2**62)],
        user: User = viewer,
    ) -> Response:
        row = ctx.conn().execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            raise HTTPException(404, "no such event")
        event = dict(row)
        try:
            doc = json.loads(event["doc"])
        except ValueError:
            doc = {"unreadable": True}
        return render(request, "event.html", user, e=event, doc=doc)

    def audit_filters(
        actor: Text = None, action: Text = None, since: Text = None, until: Text = None
    ) -> dict[str, Any]:
        return {
            "actor": actor,
            "action": action,
            "since": parse_time(since, "since"),
            "until": parse_time(until, "until"),
        }

    audit_filter_dep = Depends(audit_filters)

    @app.get("/audit")
    def audit_page(
        request: Request,
        user: User = viewer,
        filters: dict[str, Any] = audit_filter_dep,
        order: Order = "desc",
        page: Page = 1,
        since: Text = None,
        until: Text = None,
    ) -> Response:
        conn = ctx.conn()
        listing = q.audit_list(
            conn, order=order, page=page, page_size=ctx.config.page_size, **filters
        )
        verified = ctx.chain_status()
        actions = q.distinct_values(conn, "audit", "action")
        # Subjects are pseudonyms in the chain (issue 12); signed-in readers see who.
        names = {r["subject"]: resolve_pseudonyms(conn, r["subject"]) for r in listing.rows}
        return render(
            request,
            "audit.html",
            user,
            listing=listing,
            verified=verified,
            actions=actions,
            names=names,
            raw={"since": since, "until": until},
        )

    # Least privilege: a viewer reads the audit log and its last verification
    # status; exporting it in bulk and forcing a full re-verification (costly)
    # are for responders and admins.
    @app.post("/audit/verify")
    def audit_verify(user: User = responder) -> Response:
        ctx.chain_status(force=True)
        ctx.audit().append(actor_of(user), "audit_verify", "", {})
        return RedirectResponse("/audit", 303)

    @app.get("/api/audit/status")
    def audit_status(user: User = viewer) -> JSONResponse:
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

    @app.get("/audit/export")
    def audit_export(
        user: User = responder,
        filters: dict[str, Any] = audit_filter_dep,
        fmt: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
    ) -> Response:
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
