"""Notification delivery failures are shown on the overview."""

from __future__ import annotations

from monitor import open_store
from monitor.notify import Notifier, NotifyConfig


def test_overview_shows_failed_notifications(tmp_path, clock, admin):
    """A failed delivery in the last 24 hours puts a warning on the overview."""
    Notifier(NotifyConfig(), tmp_path, clock=clock)  # creates the table
    conn = open_store(tmp_path)
    conn.execute(
        "INSERT INTO notifications (msg_id, alert_id, channel, kind, state, attempts, error,"
        " created_at, done_at) VALUES ('m1', 'a1', 'mail', 'message', 'failed', 4, 'x', ?, ?)",
        (clock.now - 60, clock.now - 50),
    )
    conn.commit()
    conn.close()
    page = admin.get("/").text
    assert 'id="notifications-failed"' in page
    assert "1 notification(s) could not be delivered" in page
