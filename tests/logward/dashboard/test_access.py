"""No anonymous access: every route is enumerated from the app, so new routes are covered."""

from __future__ import annotations

import json

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from tests.logward.dashboard.conftest import (
    code_step,
    csrf_of,
    fresh_code,
    login,
    password_step,
    routes_of,
)

# The sign-in forms (the second step redirects to /login without a half-finished sign-in).
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/2fa"),
    ("POST", "/login/2fa"),
    ("GET", "/static/app.css"),
}


def route_methods(app):
    for route in routes_of(app):
        if isinstance(route, APIRoute | Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, route.path


def concrete_url(path: str, alert_id: str) -> str:
    if path == "/static/{name}":
        return "/static/dashboard.js"
    concrete = path.replace("{alert_id}", alert_id).replace("{name:path}", "admin")
    concrete = concrete.replace("{event_id}", "1")
    assert "{" not in concrete, f"add a sample value for {path}"
    return concrete


def test_app_has_the_expected_routes(app):
    """The enumeration sees pages, API, actions and static files (guards the guard)."""
    paths = {path for _, path in route_methods(app)}
    assert {"/", "/alerts", "/api/charts/overview", "/accounts/{name:path}/reinstate"} <= paths
    assert len(paths) >= 15


def test_every_route_refuses_anonymous_callers(app, anon, filled):
    """Unauthenticated: API and unsafe methods get 401, pages redirect to /login."""
    checked = 0
    for method, path in route_methods(app):
        if (method, path) in PUBLIC:
            continue
        url = concrete_url(path, filled.alert_ids[0])
        response = anon.request(method, url, follow_redirects=False)
        if path.startswith("/api/") or method != "GET":
            assert 401 == response.status_code, f"{method} {url}"
            assert "authentication required" == response.json()["error"]
        else:
            assert 303 == response.status_code, f"{method} {url}"
            assert response.headers["location"].startswith("/login?next=")
        checked += 1
    assert checked >= 15


def test_anonymous_redirect_keeps_a_safe_next(anon):
    """The login redirect carries the page asked for, and a login returns there."""
    response = anon.get("/alerts?severity=high", follow_redirects=False)
    assert "/login?next=%2Falerts%3Fseverity%3Dhigh" == response.headers["location"]
    anon.get(response.headers["location"])
    done = login(anon, "vera", next="/alerts?severity=high")
    assert "/alerts?severity=high" == done.headers["location"]


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil", "x"])
def test_login_never_redirects_off_site(anon, target):
    """An attacker-supplied next= cannot turn the login into an open redirect."""
    first = password_step(anon, "vera", next=target)
    assert "/login/2fa?next=%2F" == first.headers["location"]
    done = code_step(anon, fresh_code(anon, "vera"), target)
    assert "/" == done.headers["location"]


def test_static_vendor_files_need_a_session(anon, viewer):
    """Chart.js and our script are served locally, to signed-in users only."""
    assert (
        401 == anon.get("/static/chart.umd.js", headers={"accept": "application/json"}).status_code
    )
    response = viewer.get("/static/chart.umd.js")
    assert 200 == response.status_code
    assert "Chart" in response.text[:5000]
    assert 404 == viewer.get("/static/..%2f_app.py").status_code
    assert 200 == anon.get("/static/app.css").status_code


def test_forged_session_cookie_is_anonymous(anon):
    """A cookie not signed with our key is ignored."""
    anon.cookies.set("logward_session", "eyJ1IjoiYWxpY2UifQ.forged.sig")
    assert 401 == anon.get("/api/alerts").status_code


def test_session_ends_on_logout_even_if_the_cookie_is_replayed(admin):
    """Logging out ends the session server-side: a copied cookie stops working."""
    cookie = admin.cookies.get("logward_session")
    page = admin.get("/")
    response = admin.post(
        "/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert 303 == response.status_code
    admin.cookies.set("logward_session", cookie)
    assert 401 == admin.get("/api/alerts").status_code


def test_session_expires(app, anon, clock):
    """After session_max_age the cookie no longer signs anyone in."""
    assert 303 == login(anon, "vera").status_code
    assert 200 == anon.get("/api/alerts").status_code
    clock.advance(8 * 3600 + 1)
    assert 401 == anon.get("/api/alerts").status_code


def test_user_removed_from_config_is_signed_out(app, viewer):
    """Sessions name a user; a user no longer configured has no access."""
    ctx = app.state.ctx
    users = dict(ctx.config.users)
    users.pop("vera")
    object.__setattr__(ctx.config, "users", users)
    assert 401 == viewer.get("/api/alerts").status_code


def test_cookie_flags(anon, app):
    """The session cookie is HttpOnly and SameSite=Strict; Secure over TLS."""
    header = anon.get("/login").headers["set-cookie"]
    assert "httponly" in header.lower()
    assert "samesite=strict" in header.lower()
    assert "secure" not in header.lower().replace("samesite", "")
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as tls:
        header = tls.get("/login").headers["set-cookie"].lower()
    assert "; secure" in header


def test_login_events_go_to_the_auth_log_in_ecs(anon, tmp_path):
    """Successes and failures are ECS JSON lines; unknown names are pseudonymised."""
    login(anon, "vera", "wrong-password")
    login(anon, "Tr0ub4dor&3-typed-into-user-field", "x")
    login(anon, "vera")
    lines = [json.loads(x) for x in (tmp_path / "dashboard-auth.log").read_text().splitlines()]
    assert ["failure", "failure", "success"] == [x["event.outcome"] for x in lines]
    for record in lines:
        assert "authentication" == record["event.category"]
        assert "login" == record["event.action"]
        assert "logward-dashboard" == record["service.name"]
        assert "testclient" == record["source.ip"]
        assert record["@timestamp"].endswith("Z")
    assert "vera" == lines[0]["user.name"]
    assert lines[1]["user.name"].startswith("unknown-")
    assert "Tr0ub4dor" not in (tmp_path / "dashboard-auth.log").read_text()


def test_monitor_json_parser_reads_the_auth_log(anon, tmp_path):
    """The monitor's own ``json`` parser turns the dashboard's login log into failure events."""
    from monitor.parsers import get_parser

    login(anon, "vera", "wrong-password")
    login(anon, "rob")
    path = tmp_path / "dashboard-auth.log"
    parser = get_parser("json")
    lines = path.read_text().splitlines()
    events = [parser.parse(line, n, str(path)) for n, line in enumerate(lines, 1)]
    assert [("failure", "vera"), ("success", "rob")] == [
        (e.outcome, e.user_name) for e in events if e is not None
    ]
    assert all(e is not None and e.category == "authentication" for e in events)
