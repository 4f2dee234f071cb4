"""Fixtures for the dashboard: a filled store, three users, a signed-in TestClient per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from logward.dashboard import DashboardConfig, LoginLimits, Role, User, create_app
from monitor import open_store
from tests.conftest import FakeClock
from tests.dashboard._factory import Filled, fill_store

PASSWORDS = {"alice": "alice-admin-pw", "rob": "rob-responder-pw", "vera": "vera-viewer-pw"}
ROLES = {"alice": Role.ADMIN, "rob": Role.RESPONDER, "vera": Role.VIEWER}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """argon2id hashes of the test users' passwords, with cheap parameters to keep tests fast."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return {name: cheap.hash(pw) for name, pw in PASSWORDS.items()}


@pytest.fixture
def dash_config(password_hashes) -> DashboardConfig:
    """Admin alice, responder rob, viewer vera; small login limits."""
    users = {
        name: User(name=name, role=ROLES[name], password_hash=password_hashes[name])
        for name in PASSWORDS
    }
    return DashboardConfig(
        users=users,
        secret_key="test-secret-key-that-is-long-enough-123456",
        login_limits=LoginLimits(per_ip=6, per_user=3, window=600),
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


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_FIELD.search(html)
    assert match is not None, "no csrf_token field in the page"
    return match.group(1)


def login(client: TestClient, name: str, password: str | None = None):
    """Sign in through the real login form; returns the POST response."""
    page = client.get("/login")
    token = csrf_of(page.text)
    return client.post(
        "/login",
        data={"username": name, "password": password or PASSWORDS[name], "csrf_token": token},
        follow_redirects=False,
    )


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
