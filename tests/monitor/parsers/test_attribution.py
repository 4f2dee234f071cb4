"""Address validation, login-path normalisation, modes and the suspicious counter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from logward_base.errors import ConfigError
from monitor.parsers import get_parser, normalise_login_path, one_address

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("0.0.0.0/0", None),
        ("::/0", None),
        ("10.0.0.0/8", None),
        ("256.1.1.1", None),
        ("1.2.3.4, 5.6.7.8", None),
        ("1.2.3", None),
        ("example.com", None),
        ("2001:db8::1::2", None),
        ("", None),
    ],
)
def test_one_address(text, expected):
    """Only exactly one IPv4 or IPv6 address is an address."""
    assert expected == one_address(text)


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/%6cogin",
        "//login",
        "/LOGIN",
        "/./login",
        "/login;x",
        "/login;jsessionid=1/",
        "http://shop/login",
        "HTTPS://shop:8443/login",
        "/static/../login",
        "/%2e/login",
        "/%256cogin",
        "\\login",
    ],
)
def test_login_path_spellings_normalise_to_login(path):
    """Every spelling a server maps to /login normalises to /login."""
    assert "/login" == normalise_login_path(path)


def test_dot_segments_never_climb_above_root():
    """'..' at the root stays at the root."""
    assert "/login" == normalise_login_path("/../../login")


@pytest.mark.parametrize("path", ["/loginx", "/log/in", "/api/login-help"])
def test_other_paths_stay_other(path):
    """Look-alike paths are not login paths."""
    assert "/login" != normalise_login_path(path)


def test_unknown_mode_is_a_config_error():
    """A mode the format does not know names the format and its modes."""
    with pytest.raises(ConfigError, match="sshd"):
        get_parser("sshd", mode="paranoid")
    with pytest.raises(ConfigError, match="combined"):
        get_parser("combined", mode="normal")


PROBE = "Mar  1 10:00:00 srv sshd[1]: Did not receive identification string from 203.0.113.9 port 1"


@pytest.mark.parametrize(
    ("mode", "reported"),
    [("normal", False), ("extra", False), ("ddos", True), ("aggressive", True)],
)
def test_sshd_modes_select_failure_forms(mode, reported):
    """A pre-authentication probe is a failure only in ddos and aggressive modes."""
    event = get_parser("sshd", mode=mode, year_rule=2024).parse(PROBE, 1)
    assert reported == (event is not None and event.outcome == "failure")


TLS = (
    "2020/11/25 14:42:16 [crit] 1#1: *2 SSL_do_handshake() failed (SSL: error:1408F0C6:SSL "
    "routines:ssl3_get_record:packet length too long) while SSL handshaking, client: "
    "142.93.180.14, server: 0.0.0.0:443"
)


@pytest.mark.parametrize(
    ("mode", "reported"), [("normal", False), ("fallback", True), ("aggressive", True)]
)
def test_nginx_tls_scanners_by_mode(mode, reported):
    """SSL_do_handshake() failures are reported in fallback and aggressive modes."""
    event = get_parser("nginx-error", mode=mode).parse(TLS, 1)
    assert reported == (event is not None and event.source_ip == "142.93.180.14")


def test_cli_parse_stats_report_suspicious_lines(tmp_path):
    """`logward monitor parse` shows the suspicious count in its parse stats."""
    log = tmp_path / "auth.log"
    log.write_text(
        "Dec  4 10:00:00 srv sshd[100]: Failed password for invalid user x from 198.51.100.77 "
        "port 22 ssh2: y from 203.0.113.5 port 40000 ssh2\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "logward", "monitor", "parse", "--format", "sshd", str(log)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert 0 == done.returncode, done.stderr
    event = json.loads(done.stdout.splitlines()[0])
    assert "203.0.113.5" == event["source.ip"]
    stats = json.loads(done.stderr.split("parse stats ", 1)[1].splitlines()[0])
    assert 1 == stats["suspicious"]
