"""The dashboard's pages (server-rendered) and the JSON endpoints their charts read.

One module a page, each with its own :class:`fastapi.APIRouter`; the shared
parts (the role checks that audit every page view, rendering, parameter types)
live in ``logward.dashboard._routing``, which the sign-in routes use too.
``create_app`` includes :data:`ROUTERS` in this order, so a new page is one new
module and one line here.
"""

from fastapi import APIRouter

from logward.dashboard.routes import _accounts, _alerts, _audit, _events, _overview, _suggestions

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    _overview.router,
    _alerts.router,
    _accounts.router,
    _suggestions.router,
    _events.router,
    _audit.router,
)
