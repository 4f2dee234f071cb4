"""What every page module shares: the app's context, the role checks, rendering, parameters.

The role checks are FastAPI dependencies on the :class:`Context` the app keeps in
``app.state.ctx``: each turns away anonymous callers, checks the role and writes
the page view into the audit chain (see :meth:`Context.authorize`). A route asks
for ``user: Viewer`` or ``user: Responder``; FastAPI runs the check once a request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, Form, HTTPException, Path, Query, Request
from starlette.responses import Response

from logward.dashboard._actions import ActionError
from logward.dashboard._config import Role, User
from logward.dashboard._web import Context

__all__ = [
    "SQLITE_MAX_INT",
    "AlertId",
    "Ctx",
    "Name",
    "Order",
    "Page",
    "QName",
    "Reason",
    "Responder",
    "Status",
    "Text",
    "Viewer",
    "account_url",
    "action_error",
    "context",
    "parse_time",
    "render",
]

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
Status = Annotated[str, Form(max_length=32)]


def context(request: Request) -> Context:
    """The dashboard's shared state, kept on the app by ``create_app``."""
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(context)]


def _viewer(request: Request, ctx: Ctx) -> User:
    return ctx.authorize(request, Role.VIEWER)


def _responder(request: Request, ctx: Ctx) -> User:
    return ctx.authorize(request, Role.RESPONDER)


Viewer = Annotated[User, Depends(_viewer)]
Responder = Annotated[User, Depends(_responder)]


def render(ctx: Context, request: Request, name: str, user: User, **values: Any) -> Response:
    """A page from ``templates/``, with the user, the CSRF token and the time filled in."""
    session = ctx.session(request)
    values.update(user=user, csrf=session.csrf if session else "", now=ctx.clock())
    return ctx.templates.TemplateResponse(request, name, values)


def action_error(exc: ActionError) -> HTTPException:
    """The HTTP error an action's refusal becomes (its status, its message)."""
    return HTTPException(exc.status, str(exc))


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
