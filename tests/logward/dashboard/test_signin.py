"""Two-factor sign-in, server-side sessions and lockout-proof throttling (issues 11 and 13)."""

from __future__ import annotations

import pyotp
import pytest
from fastapi.testclient import TestClient

from logward.dashboard import create_app, make_recovery_codes
from monitor import open_store
from tests.logward.dashboard.conftest import (
    TOTP_SECRETS,
    code_step,
    csrf_of,
    fresh_code,
    login,
    password_step,
)
from tests.logward.dashboard.test_access import PUBLIC, concrete_url, route_methods


def _audit_actions(tmp_path, action: str) -> list[str]:
    conn = open_store(tmp_path)
    try:
        rows = conn.execute("SELECT action FROM audit WHERE action = ?", (action,)).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]


def test_password_alone_opens_no_route(app, anon, filled):
    """After the password but before the code, no page, API or action answers 200."""
    first = password_step(anon, "alice")
    assert first.headers["location"].startswith("/login/2fa")
    for method, path in route_methods(app):
        if (method, path) in PUBLIC:
            continue
        response = anon.request(
            method, concrete_url(path, filled.alert_ids[0]), follow_redirects=False
        )
        assert response.status_code in (303, 401, 403), f"{method} {path}"
    assert 200 == anon.get("/login/2fa").status_code


def test_code_completes_sign_in_and_rotates_the_session(anon):
    """Each step issues a new session id; the half-finished one is dead afterwards."""
    anon.get("/login")
    before = anon.cookies.get("logward_session")
    password_step(anon, "rob")
    pending = anon.cookies.get("logward_session")
    done = code_step(anon, fresh_code(anon, "rob"))
    assert "/" == done.headers["location"]
    full = anon.cookies.get("logward_session")
    assert len({before, pending, full}) == 3
    assert 200 == anon.get("/").status_code
    anon.cookies.clear()
    anon.cookies.set("logward_session", pending)
    assert 303 == anon.get("/", follow_redirects=False).status_code


def test_a_code_works_once(app, clock):
    """Replaying an accepted code within its window is refused, on any client."""
    with TestClient(app) as one, TestClient(app) as two:
        password_step(one, "vera")
        code = pyotp.TOTP(TOTP_SECRETS["vera"]).at(clock.now)
        assert 303 == code_step(one, code).status_code
        password_step(two, "vera")
        assert 401 == code_step(two, code).status_code
        assert 303 == two.get("/", follow_redirects=False).status_code


def test_wrong_codes_are_throttled(anon):
    """Failed codes are throttled like passwords: growing delays, then 429."""
    password_step(anon, "vera")
    codes = [code_step(anon, "000000").status_code for _ in range(4)]
    assert [401, 401, 401, 429] == codes
    assert 429 == code_step(anon, fresh_code(anon, "vera")).status_code


def test_recovery_code_works_once(tmp_path, filled, dash_config, clock):
    """One of the ten recovery codes signs in once; the same code is refused next time."""
    codes, hashes = make_recovery_codes()
    assert 10 == len(codes) == len(set(codes))
    vera = dash_config.users["vera"]
    users = {
        **dash_config.users,
        "vera": type(vera)(**{**_fields(vera), "recovery_hashes": tuple(hashes)}),
    }
    app = create_app(
        tmp_path, type(dash_config)(**{**_fields(dash_config), "users": users}), clock=clock
    )
    with TestClient(app) as client:
        password_step(client, "vera")
        assert 303 == code_step(client, codes[3]).status_code
        client.post("/logout", headers={"x-csrf-token": _csrf(client)})
        password_step(client, "vera")
        assert 401 == code_step(client, codes[3]).status_code
        assert 303 == code_step(client, codes[4]).status_code
    assert ["login", "login"] == _audit_actions(tmp_path, "login")


def _fields(obj) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _csrf(client) -> str:
    """The signed-in session's CSRF token, from the logout form on the overview."""
    return csrf_of(client.get("/").text)


def test_logout_survives_a_restart(tmp_path, filled, dash_config, clock):
    """Log in, log out, restart the app on the same data dir: the old cookie stays refused."""
    app = create_app(tmp_path, dash_config, clock=clock)
    with TestClient(app) as client:
        assert 303 == login(client, "alice").status_code
        cookie = str(client.cookies.get("logward_session"))
        assert 200 == client.get("/").status_code
        client.post("/logout", headers={"x-csrf-token": _csrf(client)})
    restarted = create_app(tmp_path, dash_config, clock=clock)
    with TestClient(restarted) as again:
        again.cookies.set("logward_session", cookie)
        assert 303 == again.get("/", follow_redirects=False).status_code
        assert 401 == again.get("/api/charts/overview").status_code


def test_sessions_are_shared_between_instances(tmp_path, filled, dash_config, clock):
    """A session made by one instance is accepted by another; logging out on one ends both."""
    first = create_app(tmp_path, dash_config, clock=clock)
    second = create_app(tmp_path, dash_config, clock=clock)
    with TestClient(first) as a, TestClient(second) as b:
        login(a, "rob")
        b.cookies.set("logward_session", str(a.cookies.get("logward_session")))
        assert 200 == b.get("/").status_code
        a.post("/logout", headers={"x-csrf-token": _csrf(a)})
        assert 303 == b.get("/", follow_redirects=False).status_code


def test_strangers_cannot_lock_out_a_known_device(app, clock):
    """Failures from elsewhere block untrusted clients, not the user's own known browser."""
    with TestClient(app) as owner, TestClient(app) as attacker:
        assert 303 == login(owner, "vera").status_code
        owner.post("/logout", headers={"x-csrf-token": _csrf(owner)})
        for i in range(20):
            attacker.headers["x-test"] = str(i)
            login(attacker, "vera", "wrong-guess")
            clock.advance(5)
        assert 429 == login(attacker, "vera").status_code
        assert 303 == login(owner, "vera").status_code


def test_distributed_guessing_stays_slow(app, clock):
    """Guesses against one user from untrusted clients hit the per-user budget."""
    with TestClient(app) as client:
        codes = []
        for _ in range(5):
            client.cookies.clear()
            codes.append(login(client, "vera", "wrong").status_code)
        assert [401, 401, 401, 429, 429] == codes


def test_blocked_attempts_make_one_audit_record_per_window(app, tmp_path, clock):
    """Sixty blocked attempts in one window give one audit record, not sixty."""
    with TestClient(app) as client:
        for _ in range(3):
            login(client, "vera", "wrong")
        statuses = {login(client, "vera", "wrong").status_code for _ in range(60)}
    assert {429} == statuses
    assert 1 == len(_audit_actions(tmp_path, "login_blocked"))
    log = (tmp_path / "dashboard-auth.log").read_text().splitlines()
    assert 1 == sum('"event.reason":"rate_limited"' in line for line in log)


@pytest.mark.parametrize("step", ["login_password_ok", "login_2fa_failure", "login"])
def test_every_step_is_audited(anon, tmp_path, step):
    """Password accepted, a wrong code and the completed sign-in each leave an audit record."""
    password_step(anon, "rob")
    code_step(anon, "123456")
    code_step(anon, fresh_code(anon, "rob"))
    assert _audit_actions(tmp_path, step)
