"""Roles: viewer reads, responder acts, admin does everything; refusals are audited."""

from __future__ import annotations

from monitor import AuditLog, open_store
from tests.logward.dashboard.conftest import csrf_of
from tests.logward.dashboard.factory import VICTIM


def test_viewer_cannot_reinstate(viewer, tmp_path):
    """A viewer's reinstate gets 403, the account stays revoked, the refusal is audited."""
    token = csrf_of(viewer.get(f"/accounts/{VICTIM}").text)
    response = viewer.post(
        f"/accounts/{VICTIM}/reinstate", data={"csrf_token": token, "reason": "please"}
    )
    assert 403 == response.status_code
    conn = open_store(tmp_path)
    state = conn.execute("SELECT state FROM revocations WHERE account = ?", (VICTIM,)).fetchone()
    denied = [e for e in AuditLog(conn).entries() if e.action == "access_denied"]
    conn.close()
    assert "revoked" == state[0]
    assert ["dashboard:vera"] == [e.actor for e in denied]


def test_viewer_sees_no_action_forms(viewer, responder):
    """Action forms are only rendered for responders and admins."""
    assert "Reinstate" not in viewer.get(f"/accounts/{VICTIM}").text
    assert "Reinstate" in responder.get(f"/accounts/{VICTIM}").text


def test_viewer_cannot_change_alert_status(viewer, filled):
    """Triage is a responder action."""
    token = csrf_of(viewer.get("/").text)
    response = viewer.post(
        f"/alerts/{filled.alert_ids[0]}/status",
        data={"csrf_token": token, "status": "acknowledged"},
    )
    assert 403 == response.status_code


def test_admin_may_do_what_responders_do(admin, filled):
    """Roles are ordered: admin includes responder."""
    token = csrf_of(admin.get("/").text)
    response = admin.post(
        f"/alerts/{filled.alert_ids[3]}/status",
        data={"csrf_token": token, "status": "investigated"},
        follow_redirects=False,
    )
    assert 303 == response.status_code
