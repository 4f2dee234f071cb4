"""Property-based fuzz over every dashboard route and parameter: never a 500.

Routes and their query, path and form parameters are enumerated from the app
(as the access test does), so a new route or parameter is fuzzed without
editing this file. Deterministic (derandomized) and bounded, so it cannot flake.
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.logward.dashboard.conftest import csrf_of, routes_of

# POST /login and /logout belong to the auth flow (and would end the session under test)
SKIP = {("POST", "/login"), ("POST", "/logout"), ("GET", "/login")}
EDGE = [
    "",
    "0",
    "-1",
    "1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    "2026-13-45",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "10000-01-01",
    "2026-12-04T00:00:00+25:00",
    "%",
    "%00",
    "\x00",
    "'; DROP TABLE events; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "a/b",
    "..",
    "x" * 5000,
    "\u202e\ufeff",
    "asc",
    "desc",
    "csv",
    "json",
]
VALUES = st.one_of(
    st.sampled_from(EDGE),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=40),
)


def _params(route: APIRoute) -> tuple[list[str], list[str], list[str]]:
    """Query, path and form parameter names of a route, its dependencies included."""
    query: set[str] = set()
    path: set[str] = set()
    form: set[str] = set()
    todo = [route.dependant]
    while todo:
        dep = todo.pop()
        query.update(p.alias for p in dep.query_params)
        path.update(p.alias for p in dep.path_params)
        form.update(p.alias for p in dep.body_params)
        todo.extend(dep.dependencies)
    return sorted(query), sorted(path), sorted(form)


def _fuzzable(app) -> list[tuple[str, APIRoute]]:
    out = []
    for route in routes_of(app):
        if isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                if method != "HEAD" and (method, route.path) not in SKIP:
                    out.append((method, route))
    return out


def _url(path: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        from urllib.parse import quote

        return quote(values.get(match.group(1), "x"), safe="")

    return re.sub(r"\{(\w+)(?::\w+)?\}", fill, path)


def test_fuzz_covers_every_route(app):
    """The enumeration finds the pages, the API, the actions and their parameters."""
    routes = {(m, r.path) for m, r in _fuzzable(app)}
    assert ("GET", "/events") in routes
    assert ("POST", "/account/reinstate") in routes
    assert len(routes) >= 20
    queries = {p for _, r in _fuzzable(app) for p in _params(r)[0]}
    assert {"line", "since", "until", "page", "sort", "order", "user", "name"} <= queries


def _call(client, method: str, url: str, params: dict[str, str], form: dict[str, str]):
    if method == "GET":
        return client.get(url, params=params, follow_redirects=False)
    body = {**form, "csrf_token": csrf_of(client.get("/audit").text)}
    return client.request(method, url, params=params, data=body, follow_redirects=False)


def _ok(method: str, status: int) -> bool:
    # 502 is the deliberate answer when an account store refuses a reinstatement
    return status < 500 or (method, status) == ("POST", 502)


SWEEP = ["9223372036854775808", "-9223372036854775809", "1e400", "nan", "-inf", "\x00", "x" * 5000]


def test_edge_values_in_every_query_parameter(app, admin):
    """Each query parameter of each route, alone, with values at and past SQLite's limits."""
    tried = 0
    for method, route in _fuzzable(app):
        query, _, form = _params(route)
        url = _url(route.path, {})
        for name in query:
            for value in SWEEP:
                response = _call(admin, method, url, {name: value}, dict.fromkeys(form, "x"))
                assert _ok(method, response.status_code), (method, url, name, value)
                tried += 1
    assert tried >= 100


FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _fuzzer(client, method: str, route: APIRoute):
    query, path, form = _params(route)

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        chosen = data.draw(st.lists(st.sampled_from(query or ["_"]), unique=True, max_size=4))
        params = {name: data.draw(VALUES, label=name) for name in chosen if name != "_"}
        if data.draw(st.booleans(), label="unknown parameter"):
            params["unexpected"] = data.draw(VALUES)
        url = _url(route.path, {name: data.draw(VALUES, label=name) for name in path})
        body = {name: data.draw(VALUES, label=name) for name in form}
        response = _call(client, method, url, params, body)
        assert _ok(method, response.status_code), (method, url, params, response.status_code)

    return fuzz


def test_no_route_answers_500(app, admin):
    """Any values for each route's query, path and form parameters give a 2xx-4xx answer."""
    for method, route in _fuzzable(app):
        _fuzzer(admin, method, route)()
