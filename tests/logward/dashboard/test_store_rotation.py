"""The dashboard keeps serving across `logward keys rotate`; its audit page resolves pseudonyms."""

from __future__ import annotations

import os
import subprocess
import sys

from monitor import AuditLog, open_store, pseudonym, store_key_of
from tests.logward.dashboard.factory import VICTIM


def _rotate(data) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGWARD_STORE_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "logward", "keys", "rotate", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_signed_in_user_keeps_browsing_across_a_rotation(viewer, tmp_path):
    """Pages served before a rotation are served after it, in the same session."""
    pages = ["/", "/events", "/alerts", f"/accounts/{VICTIM}", "/audit"]
    for page in pages:
        assert 200 == viewer.get(page).status_code, page
    result = _rotate(tmp_path)
    assert 0 == result.returncode, result.stderr
    for page in pages:
        assert 200 == viewer.get(page).status_code, page
    conn = open_store(tmp_path)
    assert store_key_of(conn).key_id in result.stdout
    views = [e for e in AuditLog(conn).entries() if e.action == "page_view"]
    conn.close()
    assert len(pages) * 2 <= len(views)


def test_account_page_view_is_audited_by_pseudonym_and_resolved_on_the_audit_page(viewer, tmp_path):
    """/accounts/NAME enters the chain as /accounts/pseud:…; the audit page shows NAME too."""
    assert 200 == viewer.get(f"/accounts/{VICTIM}").status_code
    conn = open_store(tmp_path)
    pseud = pseudonym(conn, "account", VICTIM)
    subjects = [e.subject for e in AuditLog(conn).entries() if e.action == "page_view"]
    conn.close()
    assert f"/accounts/{pseud}" in subjects
    assert f"/accounts/{VICTIM}" not in subjects
    html = viewer.get("/audit").text
    assert f"/accounts/{pseud}" in html
    assert f"(/accounts/{VICTIM})" in html
