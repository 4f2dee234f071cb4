"""Account pages match alert keys exactly: a crafted user name cannot land on another's page."""

from __future__ import annotations

from logward.dashboard import account_view
from monitor import Alert, open_store, record_alert


def _alert(user: str) -> Alert:
    return Alert(
        rule="brute-force-user",
        rule_version="v",
        severity="high",
        keys={"user.name": user},
        count=5,
        first_seen=1_732_700_000.0,
        last_seen=1_732_700_060.0,
        window=600.0,
    )


def test_forged_key_text_does_not_show_on_the_named_account(tmp_path):
    """An alert keyed 'zz user.name=frank' is zz's (or nobody's), never frank's."""
    conn = open_store(tmp_path)
    record_alert(conn, _alert("zz user.name=frank"), 1_732_700_100.0)
    record_alert(conn, _alert("frank_"), 1_732_700_100.0)
    assert [] == account_view(conn, "frank")["alerts"]
    assert 1 == len(account_view(conn, "zz user.name=frank")["alerts"])
    assert 1 == len(account_view(conn, "frank_")["alerts"])
    conn.close()
