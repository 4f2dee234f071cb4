"""CrowdSec's own hub scenario tests, replayed through `logward monitor replay` (5 of 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logward.cli import main

CROWDSEC = Path(__file__).parent / "golden" / "crowdsec"

# (input log, logward format, rule that must fire, attacking address)
CASES = [
    ("ssh-bf.log", "sshd", "auth-failure-burst", "35.188.49.176"),
    ("ssh-slow-bf.log", "sshd", "brute-force-ip", "103.100.210.198"),
    ("nginx-http-generic-bf.log", "nginx-error", "auth-failure-burst", "127.0.0.1"),
    ("apache-http-probing.log", "combined", "http-probing", "172.17.0.1"),
    ("http-admin-interface-probing.log", "combined", "admin-interface-probing", "157.230.234.189"),
]


@pytest.mark.parametrize(("log", "fmt", "rule", "address"), CASES, ids=[c[0] for c in CASES])
def test_crowdsec_scenario_raises_an_alert(capsys, log, fmt, rule, address):
    """The CrowdSec test input makes the equivalent default rule fire for the attacker."""
    argv = ["monitor", "replay", "--dry-run", "--format", fmt, "--year", "2024"]
    assert 0 == main([*argv, str(CROWDSEC / log)])
    alerts = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    fired = {(a["rule"], a["keys"].get("source.ip")) for a in alerts}
    assert (rule, address) in fired
