"""Fixtures: real SMTP and HTTP receivers on loopback, alerts, a notify config factory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from monitor import Alert
from tests.monitor.notify._receivers import HttpReceiver, SmtpServer


@pytest.fixture
def smtp(tmp_path_factory) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback that requires STARTTLS."""
    server = SmtpServer(tmp_path_factory.mktemp("smtp"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """An HTTP endpoint on loopback that records every request."""
    server = HttpReceiver()
    try:
        yield server
    finally:
        server.stop()


def make_alert(**overrides) -> Alert:
    """A critical alert keyed by an account, with overridable fields."""
    fields: dict[str, Any] = {
        "rule": "success-after-failures",
        "rule_version": "v1",
        "severity": "critical",
        "keys": {"user.name": "dave"},
        "count": 7,
        "first_seen": 1_700_000_000.0,
        "last_seen": 1_700_000_060.0,
        "window": 600.0,
        "evidence": (("/var/log/auth.log", 12),),
        "description": "dave@example.com logged in from 198.51.100.7 after failures",
    }
    fields.update(overrides)
    return Alert(**fields)
