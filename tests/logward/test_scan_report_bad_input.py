"""``logward scan``, ``report`` and ``audit export`` on bad input: clear errors, no tracebacks."""

from __future__ import annotations

import time

import pytest

from logward.cli import main
from logward.commands.audit import parse_since as audit_since
from logward.report import parse_since as report_since
from logward.scan import scan_items
from logward_base.errors import ConfigError
from scrubber import load_scrubber

SECRET_EMAIL = "jane.roe@example.org"


@pytest.fixture(scope="module")
def pattern_scrubber():
    return load_scrubber()


def test_scan_deeply_nested_json_is_scanned_as_text(pattern_scrubber):
    """JSON nested past the recursion limit is scanned as plain text, not a crash."""
    deep = "[" * 100_000 + f'"{SECRET_EMAIL}"' + "]" * 100_000
    report = scan_items(pattern_scrubber, [("a:1", deep), ("a:2", "all good")])
    assert (2, 1) == (report.items, report.items_with_pii)
    assert {"EMAIL_ADDRESS": 1} == dict(report.by_entity)


def test_scan_nested_json_near_the_limit_yields_findings(pattern_scrubber):
    """Deep JSON near the recursion limit yields its findings (walked, or scanned as text)."""
    deep = '{"a":' * 990 + f'"{SECRET_EMAIL}"' + "}" * 990
    report = scan_items(pattern_scrubber, [("a:1", deep)])
    assert {"EMAIL_ADDRESS": 1} == dict(report.by_entity)


def test_scan_cli_missing_file_is_a_clear_error(tmp_path, capsys):
    """A missing file is a usage error naming it, with no traceback."""
    missing = tmp_path / "nope.log"
    assert 2 == main(["scan", "--no-ner", str(missing)])
    assert f"logward: error: {missing}: no such file\n" == capsys.readouterr().err


@pytest.mark.parametrize("since", ["99999999999999d", "0001-01-01T00:00:00+01:00"])
def test_report_since_before_year_one_is_a_config_error(since):
    """A --since reaching before year 1 is a ConfigError, not an OverflowError later."""
    with pytest.raises(ConfigError, match="--since"):
        report_since(since, time.time())


def test_report_cli_huge_since_exits_2(tmp_path, capsys):
    """The report command answers a huge --since with exit 2 and one error line."""
    code = main(["report", "--data-dir", str(tmp_path), "--since", "99999999999999d"])
    assert 2 == code
    assert capsys.readouterr().err.startswith("logward: error: --since")


@pytest.mark.parametrize("since", ["nan", "inf", "-inf", "1e400"])
def test_audit_since_rejects_non_finite(since):
    """--since nan/inf would silently export nothing (or everything): refused."""
    with pytest.raises(ConfigError, match="--since"):
        audit_since(since)


def test_audit_since_still_accepts_epoch_and_iso():
    """Finite epoch seconds and ISO dates still parse."""
    assert (1.5, 0.0) == (audit_since("1.5"), audit_since("1970-01-01T00:00:00Z"))


def test_audit_export_nan_since_exits_2(tmp_path, capsys):
    """audit export --since nan is a usage error, not an empty export."""
    from monitor import AuditLog, open_store

    conn = open_store(tmp_path)
    AuditLog(conn).append("cli:test", "account_add", "ann", {})
    conn.close()
    code = main(["audit", "export", "--data-dir", str(tmp_path), "--format", "json",
                 "--since", "nan"])  # fmt: skip
    captured = capsys.readouterr()
    assert (2, "") == (code, captured.out)
    assert "--since" in captured.err
    conn = open_store(tmp_path)
    actions = [r[0] for r in conn.execute("SELECT action FROM audit")]
    conn.close()
    assert ["account_add"] == actions


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_report_unwritable_output_is_a_clear_error(tmp_path, capsys, fmt):
    """An --output that cannot be written is exit 2 naming it, not a traceback."""
    target = tmp_path / "missing-dir" / "sub" / "report"
    target.parent.parent.write_text("a file, not a directory", encoding="utf-8")
    code = main(["report", "--data-dir", str(tmp_path / "d"), "--format", fmt, "-o", str(target)])
    err = capsys.readouterr().err
    assert 2 == code
    assert err.startswith("logward: error: --output ")
    assert "Traceback" not in err


def test_audit_export_unwritable_output_is_a_clear_error(tmp_path, capsys):
    """audit export --output into a missing directory is exit 2 naming it."""
    from monitor import AuditLog, open_store

    conn = open_store(tmp_path)
    AuditLog(conn).append("cli:test", "account_add", "ann", {})
    conn.close()
    target = tmp_path / "no-such-dir" / "audit.csv"
    code = main(["audit", "export", "--data-dir", str(tmp_path), "--format", "csv",
                 "--output", str(target)])  # fmt: skip
    assert 2 == code
    assert f"logward: error: --output {target}: cannot write" in capsys.readouterr().err
