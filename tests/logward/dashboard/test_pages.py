"""What each page shows and what each action does, against a filled store."""

from __future__ import annotations

import csv
import io
import json

from monitor import AuditLog, open_store, pseudonym
from tests.logward.dashboard.conftest import csrf_of
from tests.logward.dashboard.factory import ATTACKER_IP, VICTIM


def _audit_actions(tmp_path):
    conn = open_store(tmp_path)
    try:
        return [(e.actor, e.action, e.subject, e.detail) for e in AuditLog(conn).entries()]
    finally:
        conn.close()


def test_overview_shows_incidents_with_deadlines(viewer, filled):
    """Open high/critical alerts are listed with their 24-hour notification clock."""
    html = viewer.get("/").text
    assert len(filled.incident_ids) >= 2
    for alert_id in filled.incident_ids[:5]:
        assert f'/alerts/{alert_id}"' in html
    assert "OVERDUE" in html  # the factory's two-day history holds incidents older than 24 h
    assert "23h" in html  # the newest incident was discovered minutes ago


def test_overview_lists_top_attackers_and_revocations(viewer, filled):
    """The brute-force source and its victim top the failure tables; revoked accounts show."""
    html = viewer.get("/").text
    assert ATTACKER_IP in html.split("Top source addresses")[1].split("</tr>")[1]
    assert VICTIM in html.split("Top accounts")[1].split("</tr>")[1]
    revoked = html.split('id="revoked"')[1]
    for account in filled.revoked:
        assert f">{account}</a>" in revoked


def test_overview_chart_data(viewer):
    """The chart endpoint gives alerts by rule/severity, rate series with a band and anomalies."""
    data = viewer.get("/api/charts/overview").json()
    assert 24 == len(data["alerts"]["labels"]) or 25 == len(data["alerts"]["labels"])
    assert "brute-force-ip" in data["alerts"]["by_rule"]
    assert set(data["alerts"]["by_severity"]) <= {"critical", "high", "medium", "low"}
    failures = data["failures"]
    assert len(failures["labels"]) == len(failures["counts"]) == len(failures["upper"])
    assert failures["anomalies"], "the factory's spikes in the last half hour are anomalies"
    for t in failures["anomalies"]:
        i = failures["labels"].index(t)
        assert failures["counts"][i] > failures["upper"][i]
    assert data["scrub"]["reporting"]
    assert data["scrub"]["quarantined"] > 0


def test_alert_detail_shows_rule_evidence_and_actions(viewer, filled):
    """Rule and version, distinct accounts/IPs, actions, and links to the scrubbed events."""
    alert_id = filled.alert_ids[1]  # success-after-failures on the victim, revoked
    html = viewer.get(f"/alerts/{alert_id}").text
    assert "success-after-failures" in html
    assert "version v" in html
    assert "distinct accounts" in html
    assert "revoke_account" in html
    assert f"/events?user={VICTIM}" in html
    evidence = viewer.get(f"/api/alerts/{alert_id}/evidence").json()
    assert sum(evidence["per_minute"]["failures"]) >= 60
    assert evidence["distinct"]["ips"] >= 1


def test_events_link_from_an_alert_lists_its_events(viewer, filled):
    """Following the alert's events link shows the attacker's events, newest first."""
    html = viewer.get(f"/alerts/{filled.alert_ids[0]}").text
    link = html.split('id="events-link" href="')[1].split('"')[0].replace("&amp;", "&")
    page = viewer.get(link).text
    assert ATTACKER_IP in page
    assert "No events match." not in page


def test_alert_list_sorts_and_pages(viewer):
    """Sorting by count descending is monotone; a page past the end shows the last page."""
    data = viewer.get("/api/alerts?sort=count&order=desc").json()
    counts = [r["count"] for r in data["rows"]]
    assert sorted(counts, reverse=True) == counts
    assert 40 == data["total"]
    second = viewer.get("/api/alerts?sort=count&order=desc&page=2").json()
    assert (1, 1) == (second["page"], second["pages"])
    ascending = [r["count"] for r in viewer.get("/api/alerts?sort=count&order=asc").json()["rows"]]
    assert sorted(counts) == ascending


def test_event_list_filters_and_paginates(viewer):
    """Filtering by address narrows the list; the pager reports the total."""
    html = viewer.get(f"/events?ip={ATTACKER_IP}&sort=ts&order=asc").text
    assert "60 rows" in html
    html2 = viewer.get(f"/events?ip={ATTACKER_IP}&page=2").text
    assert "page 2 of 2" in html2


def test_reinstate_requires_a_reason(responder):
    """Reinstating without a reason is refused and the account stays revoked."""
    token = csrf_of(responder.get(f"/accounts/{VICTIM}").text)
    response = responder.post(
        f"/accounts/{VICTIM}/reinstate", data={"csrf_token": token, "reason": " "}
    )
    assert 400 == response.status_code
    assert "revoked" in responder.get(f"/accounts/{VICTIM}").text.split("revocation-state")[1]


def test_reinstate_updates_store_and_audit(responder, tmp_path):
    """A responder reinstates with a reason: the account is active and the chain records it."""
    token = csrf_of(responder.get(f"/accounts/{VICTIM}").text)
    response = responder.post(
        f"/accounts/{VICTIM}/reinstate",
        data={"csrf_token": token, "reason": "owner confirmed by phone"},
    )
    assert 200 == response.status_code
    assert 'id="revocation-state" class="state-reinstated"' in response.text
    entries = _audit_actions(tmp_path)
    reinstated = [e for e in entries if e[1] == "reinstate"]
    conn = open_store(tmp_path)
    victim = pseudonym(conn, "account", VICTIM)  # the chain names subjects by pseudonym
    conn.close()
    assert [("dashboard:rob", "reinstate", victim)] == [e[:3] for e in reinstated]
    assert "owner confirmed by phone" == reinstated[0][3]["why"]
    conn = open_store(tmp_path)
    assert 1 == conn.execute("SELECT active FROM accounts WHERE name = ?", (VICTIM,)).fetchone()[0]
    conn.close()
    again = responder.post(
        f"/accounts/{VICTIM}/reinstate", data={"csrf_token": token, "reason": "twice"}
    )
    assert 409 == again.status_code


def test_false_positive_feeds_allowlist_suggestions(responder, filled):
    """Marking an account's alerts false positive lists the key as an allow-list suggestion."""
    token = csrf_of(responder.get(f"/accounts/{VICTIM}").text)
    response = responder.post(
        f"/accounts/{VICTIM}/status",
        data={"csrf_token": token, "status": "false_positive", "reason": "pen test window"},
    )
    assert 200 == response.status_code
    html = responder.get("/suggestions").text
    assert f"user.name={VICTIM}" in html


def test_alert_status_change_is_audited(responder, filled, tmp_path):
    """Acknowledging an alert changes its status and appends an audit entry."""
    alert_id = filled.alert_ids[0]
    token = csrf_of(responder.get(f"/alerts/{alert_id}").text)
    page = responder.post(
        f"/alerts/{alert_id}/status", data={"csrf_token": token, "status": "acknowledged"}
    )
    assert "acknowledged" in page.text.split('id="status"')[1][:40]
    assert ("dashboard:rob", "alert_status", alert_id) in [e[:3] for e in _audit_actions(tmp_path)]


def test_every_page_view_is_audited(viewer, tmp_path, filled):
    """Viewing pages appends page_view entries naming the user and the path."""
    viewer.get("/alerts?severity=high")
    viewer.get(f"/alerts/{filled.alert_ids[2]}")
    views = [
        (e[2], e[3]) for e in _audit_actions(tmp_path) if e[:2] == ("dashboard:vera", "page_view")
    ]
    assert ("/alerts", {"query": "severity=high"}) in views
    assert (f"/alerts/{filled.alert_ids[2]}", {}) in views


def test_audit_page_filters_and_shows_chain_status(admin):
    """The audit log filters by actor and shows the verified chain."""
    html = admin.get("/audit?actor=monitor&action=alert").text
    assert "Hash chain: verified" in html
    assert "dashboard:alice" not in html.split('id="audit"')[1]


def test_audit_page_reports_a_broken_chain(admin, tmp_path):
    """Tampering with an entry shows up as a broken chain after Verify now."""
    conn = open_store(tmp_path)
    conn.execute("UPDATE audit SET subject = 'tampered' WHERE seq = 3")
    conn.commit()
    conn.close()
    token = csrf_of(admin.get("/audit").text)
    html = admin.post("/audit/verify", data={"csrf_token": token}).text
    assert "BROKEN at entry 3" in html


def test_audit_export_csv_and_json(admin, tmp_path):
    """Exports hold every matching entry with hashes, and are themselves audited."""
    text = admin.get("/audit/export?format=csv&action=alert").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert 40 == len(rows)
    assert {"alert"} == {r["action"] for r in rows}
    assert all(len(r["hash"]) == 64 for r in rows)
    data = json.loads(admin.get("/audit/export?format=json&actor=monitor").text)
    assert 40 == len(data)
    assert isinstance(data[0]["detail"], dict)
    assert ("dashboard:alice", "audit_export") in [e[:2] for e in _audit_actions(tmp_path)]


def test_csv_export_neutralises_formulas(admin, tmp_path):
    """A subject starting with = cannot run as a spreadsheet formula."""
    conn = open_store(tmp_path)
    AuditLog(conn).append("monitor", "note", '=HYPERLINK("x")', {})
    conn.close()
    text = admin.get("/audit/export?format=csv&action=note").text
    assert "'=HYPERLINK" in text


def test_page_view_audit_scrubs_filter_text(viewer, tmp_path):
    """Whatever a user types into a filter is scrubbed before it enters the audit chain."""
    viewer.get("/events?user=jane.doe@example.com&category=jane.doe@example.com")
    views = [e[3] for e in _audit_actions(tmp_path) if e[1] == "page_view" and e[2] == "/events"]
    assert 1 == len(views)
    assert "jane.doe" not in json.dumps(views)
    user, category = views[0]["query"].split("&")
    conn = open_store(tmp_path)
    assert f"user={pseudonym(conn, 'account', 'jane.doe@example.com')}" == user
    conn.close()
    assert "EMAIL_ADDRESS" in category


def test_triage_reason_is_scrubbed_in_the_audit(responder, filled, tmp_path):
    """A reason naming a person's e-mail is stored redacted."""
    alert_id = filled.alert_ids[4]
    token = csrf_of(responder.get(f"/alerts/{alert_id}").text)
    responder.post(
        f"/alerts/{alert_id}/status",
        data={"csrf_token": token, "status": "investigated", "reason": "asked jane@corp.example"},
    )
    details = [e[3] for e in _audit_actions(tmp_path) if e[1] == "alert_status"]
    assert "jane@corp.example" not in json.dumps(details)
    assert details[0]["reason"].startswith("asked ")


def test_event_detail_shows_the_scrubbed_document(viewer):
    """An event's page shows its stored (scrubbed) ECS document; unknown ids are 404."""
    listing = viewer.get("/events?sort=ts&order=asc").text
    first = listing.split('href="/events/')[1].split('"')[0]
    html = viewer.get(f"/events/{first}").text
    assert "event.category" in html.split('id="event-doc"')[1]
    assert 404 == viewer.get("/events/999999999").status_code
    assert 400 == viewer.get("/events/0").status_code
