"""Admin-panel and API access traffic for the demo: normal use plus attacks.

Events are ECS JSON lines (nested, as ecs-logging writes them) on a simulated
clock, so an hour of traffic plays in seconds; the monitor works in event time
and reaches the same verdicts it would live.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from logward.demo._data import ACCOUNTS

__all__ = ["ATTACKS", "Access", "access_line", "attack_traffic", "normal_traffic"]

# What the demo's attacks should make the monitor say (rule -> key).
ATTACKS = {
    "brute-force-ip": {"source.ip": "203.0.113.10"},
    "distributed-brute-force": {"user.name": "carol"},
    "credential-stuffing": {"source.ip": "192.0.2.77"},
    "api-rate-per-account": {"user.name": "dave"},
    "success-after-failures": {"user.name": "erin"},
}

_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    "python-requests/2.32.3",
    "curl/8.5.0",
)
_PAGES = ("/admin/orders", "/admin/customers", "/admin/refunds", "/admin/reports")
_API = ("/api/v1/orders", "/api/v1/listings", "/api/v1/payouts", "/api/v1/messages")


@dataclass(frozen=True, slots=True)
class Access:
    """One access event before it is written."""

    ts: float
    path: str
    status: int
    ip: str
    user: str | None
    method: str = "GET"
    login: bool = False
    agent: str = _AGENTS[0]
    query: str = ""


def access_line(a: Access) -> str:
    """Render one event as an ECS JSON line (nested objects)."""
    moment = datetime.fromtimestamp(a.ts, tz=UTC)
    doc: dict[str, Any] = {
        "@timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "event": {
            "category": "authentication" if a.login else "web",
            "action": "login" if a.login else "http_request",
            "outcome": "failure" if a.status >= 400 else "success",
        },
        "source": {"ip": a.ip},
        "http": {"request": {"method": a.method}, "response": {"status_code": a.status}},
        "url": {"path": a.path},
        "user_agent": {"original": a.agent},
        "service": {"name": "admin-panel" if a.path.startswith("/admin") else "marketplace-api"},
    }
    if a.query:
        doc["url"]["query"] = a.query
    if a.user is not None:
        doc["user"] = {"name": a.user}
    return json.dumps(doc, separators=(",", ":"))


def normal_traffic(
    rng: random.Random, start: float, end: float, per_minute: int
) -> Iterator[Access]:
    """Ordinary staff use: logins, admin pages, API calls, the odd typo'd password."""
    users = [a for a in ACCOUNTS if a != "breakglass-admin"]
    t = start
    step = 60.0 / per_minute
    while t < end:
        user = rng.choice(users)
        ip = f"10.20.{users.index(user)}.{rng.randint(2, 9)}"
        roll = rng.random()
        agent = rng.choice(_AGENTS[:2])
        if roll < 0.08:
            ok = rng.random() > 0.15
            yield Access(t, "/admin/login", 302 if ok else 401, ip, user, "POST", True, agent)
        elif roll < 0.45:
            yield Access(t, rng.choice(_PAGES), 200, ip, user, agent=agent)
        else:
            yield Access(t, rng.choice(_API), 200, ip, user, agent=_AGENTS[2])
        t += step * rng.uniform(0.5, 1.5)


def attack_traffic(rng: random.Random, start: float) -> Iterator[Access]:
    """The scripted attacks, each starting at its own offset from ``start``."""
    evil = _AGENTS[3]
    # Brute force from one address against the admin login (minutes 5-7).
    t = start + 300
    for _ in range(40):
        yield Access(t, "/admin/login", 401, "203.0.113.10", "admin", "POST", True, evil)
        t += rng.uniform(1, 4)
    # Distributed brute force: carol's account from many addresses (minutes 12-20).
    t = start + 720
    for i in range(24):
        ip = f"198.51.100.{20 + i % 12}"
        yield Access(t, "/admin/login", 401, ip, "carol", "POST", True, evil)
        t += rng.uniform(10, 25)
    # Credential stuffing: one address, many accounts (minutes 22-26).
    t = start + 1320
    for i in range(30):
        user = f"user{1000 + i}" if i % 3 else rng.choice(ACCOUNTS[:10])
        yield Access(t, "/api/v1/login", 401, "192.0.2.77", user, "POST", True, evil)
        t += rng.uniform(2, 8)
    # Request-rate spike: dave's API token goes wild for ~80 s (minute 32): well over the
    # per-minute ceiling however the minute boundaries fall.
    t = start + 1920
    for _ in range(2400):
        yield Access(t, rng.choice(_API), 200, "10.20.3.4", "dave", agent=_AGENTS[2])
        t += rng.uniform(0.01, 0.055)
    # Success after a burst of failures: erin's password guessed (minute 40).
    t = start + 2400
    for _ in range(8):
        yield Access(t, "/admin/login", 401, "203.0.113.55", "erin", "POST", True, evil)
        t += rng.uniform(3, 8)
    yield Access(t + 5, "/admin/login", 302, "203.0.113.55", "erin", "POST", True, evil)
