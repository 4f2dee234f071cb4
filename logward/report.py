"""``logward report``: the records an auditor asks for, from the embedded store.

Sections (each a pandas DataFrame): redactions by entity and source, quarantine
counts, alerts by rule and severity, revocations and reinstatements with
time-to-revoke and time-to-review, dashboard access by user, and the audit
chain's verification status. Every string cell is scrubbed before rendering and
the rendered report is scanned again; a report that still holds a finding is
refused rather than written.
"""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from logward._csv import SafeCsvWriter
from logward.scan import scan_items
from logward_base import parse_duration
from logward_base.errors import ConfigError, ScrubError
from monitor import AuditLog, iso_time, resolve_pseudonyms

if TYPE_CHECKING:
    import pandas as pd

    from scrubber import Scrubber

__all__ = ["Report", "build_report", "parse_since", "render", "self_scan"]

_EARLIEST = -62135596800  # 0001-01-01T00:00:00Z, the first time iso_time formats


def parse_since(text: str, now: float) -> float:
    """Turn an ISO date or a duration (``30d``/``12h``/``90m``) into an epoch start time.

    The date is tried first, so ``20240101`` stays a date; a duration is anything
    :func:`logward_base.parse_duration` accepts, counted back from ``now``.

    Raises:
        ConfigError: the value is neither an ISO 8601 date nor a duration.
    """
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            return _not_before_year_1(now - parse_duration(text))
        except ValueError:
            raise ConfigError(
                f"--since {text!r}: expected a duration like 30d, 12h, 90m or an ISO date"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _not_before_year_1(moment.timestamp())


def _not_before_year_1(since: float) -> float:
    if since < _EARLIEST:
        raise ConfigError("--since: the period would start before year 1")
    return since


@dataclass
class Report:
    """The report's sections and metadata."""

    since: float
    until: float
    sections: dict[str, pd.DataFrame] = field(default_factory=dict)
    chain: dict[str, Any] = field(default_factory=dict)
    redacted_in_report: Counter[str] = field(default_factory=Counter)


def _frame(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    import pandas as pd  # optional dependency: the 'monitor' and 'dashboard' extras

    cur = conn.execute(sql, params)
    columns = [d[0] for d in cur.description]
    return pd.DataFrame([tuple(r) for r in cur.fetchall()], columns=columns)


def build_report(
    conn: sqlite3.Connection, since: float, scrubber: Scrubber, now: float | None = None
) -> Report:
    """Query the store and assemble every section (scrubbed)."""
    until = time.time() if now is None else now
    report = Report(since=since, until=until)
    window = (since, until)
    s = report.sections
    s["redactions"] = _frame(
        conn,
        "SELECT source, entity, SUM(count) AS redactions FROM scrub_stats"
        " WHERE ts >= ? AND ts <= ? AND entity NOT LIKE '\\_%' ESCAPE '\\'"
        " GROUP BY source, entity ORDER BY redactions DESC",
        window,
    )
    s["quarantine"] = _frame(
        conn,
        "SELECT source, SUM(count) AS quarantined FROM scrub_stats"
        " WHERE ts >= ? AND ts <= ? AND entity = '_quarantined' GROUP BY source",
        window,
    )
    s["alerts"] = _frame(
        conn,
        "SELECT rule, severity, COUNT(*) AS alerts, SUM(dry_run) AS simulated,"
        " MIN(created_at) AS first, MAX(created_at) AS last FROM alerts"
        " WHERE created_at >= ? AND created_at <= ? GROUP BY rule, severity"
        " ORDER BY alerts DESC",
        window,
    )
    s["actions"] = _frame(
        conn,
        "SELECT action, outcome, COUNT(*) AS actions FROM actions"
        " WHERE created_at >= ? AND created_at <= ? GROUP BY action, outcome"
        " ORDER BY action, outcome",
        window,
    )
    s["revocations"] = _frame(
        conn,
        "SELECT r.account, r.state, r.mode, r.rule, r.offences, r.revoked_at,"
        " a.last_seen AS evidence_last_seen, r.reinstated_at, r.reinstated_by"
        " FROM revocations r LEFT JOIN alerts a ON a.id = r.alert_id"
        " WHERE r.revoked_at >= ? AND r.revoked_at <= ? ORDER BY r.revoked_at",
        window,
    )
    rev = s["revocations"]
    if not rev.empty:
        rev["time_to_revoke_s"] = (rev["revoked_at"] - rev["evidence_last_seen"]).round(3)
        rev["time_to_review_s"] = (rev["reinstated_at"] - rev["revoked_at"]).round(1)
        for col in ("revoked_at", "reinstated_at", "evidence_last_seen"):
            rev[col] = rev[col].map(lambda v: iso_time(v) if v == v and v is not None else "")
    s["reinstatements"] = _frame(
        conn,
        "SELECT subject AS account, actor, ts FROM audit WHERE action = 'reinstate'"
        " AND ts >= ? AND ts <= ? ORDER BY ts",
        window,
    )
    if not s["reinstatements"].empty:
        s["reinstatements"]["ts"] = s["reinstatements"]["ts"].map(iso_time)
        # The chain names the account by pseudonym (issue 12); the report's reader may see it.
        s["reinstatements"]["account"] = s["reinstatements"]["account"].map(
            lambda v: resolve_pseudonyms(conn, str(v))
        )
    s["dashboard_access"] = _frame(
        conn,
        "SELECT actor, action, COUNT(*) AS events, MIN(ts) AS first, MAX(ts) AS last"
        " FROM audit WHERE actor LIKE 'dashboard:%' AND ts >= ? AND ts <= ?"
        " GROUP BY actor, action ORDER BY actor, events DESC",
        window,
    )
    for name in ("alerts", "dashboard_access"):
        frame = s[name]
        if not frame.empty:
            for col in ("first", "last"):
                frame[col] = frame[col].map(iso_time)
    status = AuditLog(conn).verify()
    report.chain = {
        "ok": status.ok,
        "entries": status.entries,
        "first_bad_seq": status.first_bad_seq,
        "reason": status.reason,
    }
    _scrub_frames(report, scrubber)
    return report


def _scrub_frames(report: Report, scrubber: Scrubber) -> None:
    from pandas.api.types import is_object_dtype, is_string_dtype  # optional: pandas

    for frame in report.sections.values():
        for col in frame.columns:
            if is_object_dtype(frame[col]) or is_string_dtype(frame[col]):
                frame[col] = frame[col].map(
                    lambda v: (
                        scrubber.scrub_text(v, report.redacted_in_report)
                        if isinstance(v, str)
                        else v
                    )
                )


_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")


def _cell(value: Any) -> str:
    """A Markdown table cell: HTML escaped (Markdown viewers render HTML), Markdown
    metacharacters backslash-escaped (no links, code or extra columns), one line."""
    if value is None or value != value:  # None or NaN
        return ""
    text = html.escape(_MD_SPECIAL.sub(r"\\\1", str(value)), quote=True)
    return re.sub(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]", "<br>", text)


def _md_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_\n"
    head = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *rows]) + "\n"


_TITLES = {
    "redactions": "Redactions by entity and source",
    "quarantine": "Quarantined records",
    "alerts": "Alerts by rule and severity",
    "actions": "Responses by action and outcome",
    "revocations": "Revocations (time to revoke / time to review)",
    "reinstatements": "Reinstatements",
    "dashboard_access": "Dashboard access by user",
}


def render(report: Report, fmt: str) -> dict[str, str]:
    """Render the report. Returns ``{filename_suffix: text}`` (csv gives one per section).

    Raises:
        ScrubError: the rendered report still contains a detector finding.
    """
    period = f"{iso_time(report.since)} to {iso_time(report.until)}"
    chain = report.chain
    chain_line = (
        f"audit chain: {'VERIFIED' if chain['ok'] else 'BROKEN'}, {chain['entries']} entries"
        + ("" if chain["ok"] else f", first bad seq {chain['first_bad_seq']}: {chain['reason']}")
    )
    out: dict[str, str] = {}
    if fmt == "json":
        doc = {
            "period": {"since": iso_time(report.since), "until": iso_time(report.until)},
            "audit_chain": chain,
            "redacted_in_report": dict(report.redacted_in_report),
            "sections": {
                k: json.loads(v.to_json(orient="records")) for k, v in report.sections.items()
            },
        }
        out["json"] = json.dumps(doc, indent=2, default=str) + "\n"
    elif fmt == "md":
        parts = [f"# logward audit report\n\nPeriod: {period}\n\n{chain_line}\n"]
        for key, frame in report.sections.items():
            parts.append(f"\n## {_TITLES[key]}\n\n{_md_table(frame)}")
        out["md"] = "".join(parts)
    elif fmt == "html":
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'><title>logward audit report"
            "</title></head><body>",
            f"<h1>logward audit report</h1><p>Period: {html.escape(period)}</p>",
            f"<p><strong>{html.escape(chain_line)}</strong></p>",
        ]
        for key, frame in report.sections.items():
            table = "<p><em>none</em></p>" if frame.empty else frame.to_html(index=False, na_rep="")
            parts.append(f"<h2>{html.escape(_TITLES[key])}</h2>{table}")
        parts.append("</body></html>\n")
        out["html"] = "".join(parts)
    elif fmt == "csv":
        out["summary.csv"] = _csv(
            ["period_since", "period_until", "audit_chain_ok", "audit_entries"],
            [[iso_time(report.since), iso_time(report.until), chain["ok"], chain["entries"]]],
        )
        for key, frame in report.sections.items():
            out[f"{key}.csv"] = _csv(list(frame.columns), frame.itertuples(index=False))
    else:
        raise ConfigError(f"--format {fmt!r}: expected html, md, csv or json")
    return out


def _csv(columns: list[Any], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def self_scan(rendered: dict[str, str], scrubber: Scrubber) -> None:
    """Refuse to emit a report in which the detectors still find anything.

    JSON parts are walked value by value (as ``logward scan`` does), so the
    entity names used as keys of the count tables are not mistaken for data.

    Raises:
        ScrubError: naming the part and entity types found (never the values).
    """
    for part, text in rendered.items():
        if part == "json":
            items = [(part, text)]
        else:
            items = [(f"{part}:{n}", line) for n, line in enumerate(text.splitlines(), 1)]
        found = scan_items(scrubber, items).by_entity
        found.pop("IP_ADDRESS", None)  # addresses in evidence columns are kept on purpose
        if found:
            kinds = ", ".join(sorted(found))
            raise ScrubError(f"report part {part}: detectors still find {kinds}; not written")
