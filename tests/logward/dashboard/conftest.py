"""Fixtures for the dashboard: a filled store, three users, a signed-in TestClient per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import fastapi.routing
import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from logward.dashboard import (
    DashboardConfig,
    LoginLimits,
    Role,
    TotpBox,
    User,
    create_app,
    create_key_file,
)
from monitor import open_store
from tests.conftest import FakeClock
from tests.logward.dashboard.factory import Filled, fill_store

PASSWORDS = {"alice": "alice-admin-pw", "rob": "rob-responder-pw", "vera": "vera-viewer-pw"}
ROLES = {"alice": Role.ADMIN, "rob": Role.RESPONDER, "vera": Role.VIEWER}
# Fixed TOTP secrets (base32) so tests can compute codes with pyotp, as an authenticator would.
TOTP_SECRETS = {
    "alice": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "rob": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    "vera": "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK",
}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """argon2id hashes of the test users' passwords, with cheap parameters to keep tests fast."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return {name: cheap.hash(pw) for name, pw in PASSWORDS.items()}


@pytest.fixture
def totp_key_file(tmp_path_factory) -> Path:
    """An owner-only AES-256 key file sealing the test users' TOTP secrets."""
    path: Path = tmp_path_factory.mktemp("keys") / "dashboard-totp.key"
    create_key_file(path)
    return path


@pytest.fixture
def dash_config(password_hashes, totp_key_file) -> DashboardConfig:
    """Admin alice, responder rob, viewer vera, all enrolled in TOTP; small login limits."""
    box = TotpBox(totp_key_file)
    users = {
        name: User(
            name=name,
            role=ROLES[name],
            password_hash=password_hashes[name],
            totp_secret=box.seal(TOTP_SECRETS[name], name),
        )
        for name in PASSWORDS
    }
    return DashboardConfig(
        users=users,
        secret_key="test-secret-key-that-is-long-enough-123456",
        login_limits=LoginLimits(per_ip=6, per_user=3, window=600),
        totp_key_file=str(totp_key_file),
    )


@pytest.fixture
def clock() -> FakeClock:
    """The dashboard's clock, at the end of the factory's data."""
    return FakeClock(now=1_700_000_000.0)


@pytest.fixture
def filled(tmp_path: Path, clock: FakeClock) -> Filled:
    """A store with two days of events, 40 alerts, revocations, rates and scrub stats."""
    conn = open_store(tmp_path)
    try:
        return fill_store(conn, clock.now)
    finally:
        conn.close()


@pytest.fixture
def app(tmp_path: Path, filled: Filled, dash_config: DashboardConfig, clock: FakeClock):
    """The dashboard app over the filled store."""
    return create_app(tmp_path, dash_config, clock=clock)


@pytest.fixture
def anon(app) -> Iterator[TestClient]:
    """A client that has not signed in."""
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def routes_of(app) -> Iterator[BaseRoute]:
    """Every route the app serves, those of the routers it includes too.

    Newer FastAPI includes a router lazily (``app.routes`` holds the router, not
    its routes); its ``iter_route_contexts`` walks into them. Older FastAPI
    copies the routes onto the app.
    """
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    if walk is None:
        yield from app.routes
        return
    for context in walk(app.routes):
        yield context.original_route


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_FIELD.search(html)
    assert match is not None, "no csrf_token field in the page"
    return match.group(1)


def fresh_code(client: TestClient, name: str) -> str:
    """A TOTP code for ``name`` not used yet (moves a fake clock on a step when needed)."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    last = ctx.auth_store.totp_last_step(name)
    step = int(ctx.clock() // 30)
    if last >= step + 1:
        ctx.clock.advance(30 * (last - step))
        step = int(ctx.clock() // 30)
    return pyotp.TOTP(TOTP_SECRETS[name]).at(max(step, last + 1) * 30)


def password_step(client: TestClient, name: str, password: str | None = None, **extra: str):
    """Post the password form only; returns the POST response."""
    page = client.get("/login")
    token = csrf_of(page.text)
    return client.post(
        "/login",
        data={
            "username": name,
            "password": password or PASSWORDS[name],
            "csrf_token": token,
            **extra,
        },
        follow_redirects=False,
    )


def code_step(client: TestClient, code: str, next_path: str = "/"):
    """Post the second-step form with ``code``; returns the POST response."""
    token = csrf_of(client.get("/login/2fa").text)
    return client.post(
        "/login/2fa",
        data={"code": code, "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )


def login(client: TestClient, name: str, password: str | None = None, **extra: str):
    """Sign in through the real forms (password, then a TOTP code); returns the last response."""
    first = password_step(client, name, password, **extra)
    if first.status_code != 303 or not first.headers["location"].startswith("/login/2fa"):
        return first
    return code_step(client, fresh_code(client, name), extra.get("next", "/"))


def _client(app, name: str) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        response = login(client, name)
        assert 303 == response.status_code
        yield client


@pytest.fixture
def admin(app) -> Iterator[TestClient]:
    """Signed in as alice (admin)."""
    yield from _client(app, "alice")


@pytest.fixture
def responder(app) -> Iterator[TestClient]:
    """Signed in as rob (responder)."""
    yield from _client(app, "rob")


@pytest.fixture
def viewer(app) -> Iterator[TestClient]:
    """Signed in as vera (viewer)."""
    yield from _client(app, "vera")
