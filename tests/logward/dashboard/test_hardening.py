"""Regressions from the security probe: hostile account names, huge integers, viewer
export/verify, and query strings decoded before the page-view audit scrubs them."""

from __future__ import annotations

import html
import json
import re

import pytest

from monitor import open_store
from tests.logward.dashboard.conftest import csrf_of

HOSTILE_NAMES = [
    "svc/backup",
    "a%2Fb",
    "..",
    ".",
    "../admin",
    "x?y#z&name=admin",
    "x/reinstate",
    "line\nbreak",
    "+plus sign",
    " spaced ",
    "/leading/and/trailing/",
    "ünï/cødé",
    "<b>bold</b>",
]
HREF = re.compile(r'<a href="([^"]+)">([^<]*)</a>')
REINSTATE_FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*id="reinstate-form"')


@pytest.fixture
def hostile_revoked(tmp_path, filled, clock):
    """The dashboard's store with revoked accounts under attacker-chosen names."""
    conn = open_store(tmp_path)
    with conn:
        for i, name in enumerate(HOSTILE_NAMES):
            conn.execute(
                "INSERT INTO revocations (account, state, mode, revoked_at, alert_id, rule,"
                " revoker, offences) VALUES (?, 'revoked', 'until_reviewed', ?, ?,"
                " 'brute-force-ip', 'embedded', 1)",
                (name, clock.now + 1 + i, filled.alert_ids[0]),
            )
            conn.execute(
                "INSERT INTO accounts (name, active, roles, updated_at) VALUES (?, 0, '[]', ?)",
                (name, clock.now),
            )
    conn.close()
    return tmp_path


def _state(data_dir, name: str) -> str:
    conn = open_store(data_dir)
    try:
        return str(
            conn.execute("SELECT state FROM revocations WHERE account = ?", (name,)).fetchone()[0]
        )
    finally:
        conn.close()


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_account_name_can_be_opened_and_reinstated_from_the_ui(
    hostile_revoked, responder, name
):
    """Follow the overview's link and the page's reinstate form, as a browser would."""
    overview = responder.get("/").text
    links = {html.unescape(text): html.unescape(href) for href, text in HREF.findall(overview)}
    shown = html.escape(name, quote=False)
    assert html.unescape(shown) in links, name
    page = responder.get(links[name])
    assert 200 == page.status_code
    action = REINSTATE_FORM.search(page.text)
    assert action is not None
    done = responder.post(
        html.unescape(action.group(1)),
        data={"csrf_token": csrf_of(page.text), "reason": "verified by phone"},
        follow_redirects=False,
    )
    assert 303 == done.status_code
    assert "reinstated" == _state(hostile_revoked, name)
    assert 200 == responder.get(done.headers["location"]).status_code


@pytest.mark.parametrize("path", ["/accounts/svc/backup", "/accounts/svc%2Fbackup"])
def test_slash_in_account_path_raw_or_encoded_opens_the_account(hostile_revoked, viewer, path):
    """Old /accounts/{name} links with a slash, raw or %2F, still open the account."""
    response = viewer.get(path)
    assert 200 == response.status_code
    assert "svc/backup" in response.text


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("line=9223372036854775808", 400),
        ("line=99999999999999999999999999", 400),
        ("line=9223372036854775807", 200),
        ("line=-1", 400),
        ("since=nan", 400),
        ("since=inf", 400),
        ("until=1e400", 400),
        ("since=-1e300", 400),
        ("since=9999-12-31T23:59:59", 200),
        ("page=9223372036854775808", 400),
    ],
)
def test_out_of_range_numbers_give_400_not_500(viewer, query, status):
    """Integers beyond SQLite's range and non-finite times are refused, not crashed on."""
    assert status == viewer.get(f"/events?{query}").status_code


def test_viewer_may_read_but_not_export_or_force_verification(viewer, responder):
    """Least privilege: a viewer sees the audit log and its status, not bulk export or verify."""
    page = viewer.get("/audit")
    assert 200 == page.status_code
    assert "export-csv" not in page.text
    assert "Verify now" not in page.text
    assert 200 == viewer.get("/api/audit/status").status_code
    assert 403 == viewer.get("/audit/export?format=csv").status_code
    assert 403 == viewer.get("/audit/export?format=json").status_code
    token = csrf_of(page.text)
    assert 403 == viewer.post("/audit/verify", data={"csrf_token": token}).status_code
    assert 200 == responder.get("/audit/export?format=csv").status_code
    assert "export-csv" in responder.get("/audit").text


@pytest.mark.parametrize(
    "query",
    [
        "user=4111+1111+1111+1111",
        "user=4111%201111%201111%201111",
        "user=4111%2D1111%2D1111%2D1111",
        "ip=john%2Esmith%40example%2Ecom",
        "user=x&category=4111+1111+1111+1111",
    ],
)
def test_page_view_audit_decodes_query_before_scrubbing(tmp_path, viewer, query):
    """``/events?user=4111+1111+1111+1111`` writes no card number into the audit chain."""
    assert 200 == viewer.get(f"/events?{query}").status_code
    conn = open_store(tmp_path)
    try:
        rows = conn.execute(
            "SELECT subject, detail FROM audit WHERE action = 'page_view' ORDER BY seq DESC LIMIT 1"
        ).fetchall()
    finally:
        conn.close()
    assert "/events" == rows[0][0]
    detail = json.loads(rows[0][1])
    digits = re.sub(r"\D", "", detail["query"])
    assert "4111111111111111" not in digits
    assert "john" not in detail["query"]
    assert "example" not in detail["query"]
