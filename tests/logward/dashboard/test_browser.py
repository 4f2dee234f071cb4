"""Real headless Chromium (Debian's) against the app served by uvicorn on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from logward.dashboard import create_app
from tests.logward.dashboard.conftest import PASSWORDS, TOTP_SECRETS
from tests.logward.dashboard.factory import ATTACKER_IP, VICTIM

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
OVERVIEW_CHARTS = [
    "chart-alerts-rule",
    "chart-alerts-severity",
    "chart-failures",
    "chart-requests",
    "chart-scrub",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path, filled, dash_config, clock) -> Iterator[str]:
    """The dashboard served by a real uvicorn server in a background thread."""
    import uvicorn

    app = create_app(tmp_path, dash_config, clock=clock)
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(served):
    """A fresh Chromium page; console errors (CSP violations included) are collected."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            tab = context.new_page()
            errors: list[str] = []
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.set_default_timeout(15_000)
            yield tab, errors
        finally:
            browser.close()


def _chart_points(tab, canvas_id: str) -> int:
    return int(
        tab.evaluate(
            """id => { const c = Chart.getChart(document.getElementById(id));
                   return c ? c.data.datasets.reduce((n, d) => n + d.data.filter(
                       v => v !== null).length, 0) : -1; }""",
            canvas_id,
        )
    )


def test_responder_journey(page, served, clock):
    """Sign in (password, TOTP code), see charts, open an alert, reinstate, audit, log out."""
    tab, console_errors = page
    tab.goto(served + "/")
    assert "/login" in tab.url
    tab.fill("#username", "rob")
    tab.fill("#password", PASSWORDS["rob"])
    tab.click("#signin")
    tab.wait_for_url("**/login/2fa**")
    tab.fill("#code", pyotp.TOTP(TOTP_SECRETS["rob"]).at(clock.now))
    tab.click("#verify")
    tab.wait_for_url(served + "/")
    for canvas in OVERVIEW_CHARTS:
        tab.wait_for_selector(f"#{canvas}[data-rendered='true']", state="attached")
        assert _chart_points(tab, canvas) > 0, canvas
    assert tab.locator("#incidents tbody tr").count() >= 2
    tab.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)

    tab.locator("#incidents tbody tr", has_text=ATTACKER_IP).locator("a").first.click()
    tab.wait_for_selector("#chart-evidence[data-rendered='true']", state="attached")
    assert _chart_points(tab, "chart-evidence") > 0
    assert tab.locator("#rule").inner_text().strip() != ""
    tab.screenshot(path=str(SCREENSHOTS / "alert.png"), full_page=True)

    tab.goto(f"{served}/accounts/{VICTIM}")
    assert "revoked" in tab.locator("#revocation-state").inner_text()
    tab.fill("#reinstate-reason", "owner confirmed the logins by phone")
    tab.click("#reinstate")
    tab.wait_for_selector("#revocation-state.state-reinstated")
    tab.screenshot(path=str(SCREENSHOTS / "account-reinstated.png"), full_page=True)

    tab.click("nav >> text=Audit log")
    row = tab.locator("#audit tbody tr", has_text="reinstate").first
    assert "dashboard:rob" in row.inner_text()
    assert "owner confirmed the logins by phone" in row.inner_text()
    assert "verified" in tab.locator("#chain").inner_text()
    tab.screenshot(path=str(SCREENSHOTS / "audit.png"), full_page=True)

    tab.click("#logout")
    tab.wait_for_url("**/login")
    tab.goto(served + "/audit")
    assert "/login" in tab.url
    assert [] == console_errors
