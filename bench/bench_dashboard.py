"""Dashboard page times at 1 million events and 10,000 alerts (target: every page < 1 s).

Fills a temporary store with the dashboard tests' factory (bulk ``executemany``
in one transaction), signs in through the real login form, then requests every
page and JSON endpoint ``--repeat`` times through the full ASGI stack
(middleware, auth, audit of each view, SQL, Jinja rendering) with Starlette's
TestClient, and reports p50/p95/max per page next to the 1 s target.

Usage: ``python -m bench bench_dashboard`` or
``python -m bench.bench_dashboard [--events N] [--alerts N] [--span-days D] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher

TARGET_MS = 1000.0
DEFAULT_SPAN_DAYS = 7.0  # the overview's 24 h window then holds ~143k of the 1M events
RESULTS = Path(__file__).parent / "results" / "dashboard.json"


def _pages(alert_id: str, victim: str, attacker: str, last_page: int) -> list[tuple[str, str]]:
    return [
        ("overview", "/"),
        ("overview charts (JSON)", "/api/charts/overview"),
        ("alerts", "/alerts"),
        ("alerts by severity", "/alerts?sort=severity&order=desc"),
        ("alerts key search", "/alerts?key=198.51.100&sort=count"),
        ("alerts API", "/api/alerts?status=open&page=3"),
        ("alert detail", f"/alerts/{alert_id}"),
        ("alert evidence (JSON)", f"/api/alerts/{alert_id}/evidence"),
        ("account", f"/accounts/{victim}"),
        ("events", "/events"),
        ("events by account", f"/events?user={victim}"),
        ("events by address", f"/events?ip={attacker}"),
        ("events failures", "/events?outcome=failure"),
        ("events sorted by account", "/events?sort=user&order=asc"),
        ("events last page", f"/events?page={last_page}"),
        ("events time range", "/events?since=2023-11-14T00:00&until=2023-11-14T06:00"),
        ("event detail", "/events/500000"),
        ("audit log", "/audit"),
        ("audit filtered", "/audit?actor=monitor&action=alert"),
        ("audit export CSV (all alerts)", "/audit/export?format=csv&action=alert"),
        ("suggestions", "/suggestions"),
    ]


def main(argv: list[str]) -> int:
    """Run the benchmark; returns 1 if any page's p95 misses the target."""
    parser = argparse.ArgumentParser(prog="bench_dashboard")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--span-days", type=float, default=DEFAULT_SPAN_DAYS)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from logward.dashboard import DashboardConfig, Role, User, create_app
    from monitor import open_store
    from tests.logward.dashboard.factory import ATTACKER_IP, VICTIM, fill_store

    now = 1_700_000_000.0
    with tempfile.TemporaryDirectory(prefix="logward-bench-dash-") as tmp:
        started = time.perf_counter()
        conn = open_store(tmp)
        filled = fill_store(
            conn, now, events=args.events, alerts=args.alerts, span=args.span_days * 86400
        )
        conn.execute("ANALYZE")
        conn.commit()
        conn.close()
        fill_seconds = time.perf_counter() - started
        size_mb = (Path(tmp) / "monitor.db").stat().st_size / 1e6
        print(
            f"filled {filled.events:,} events, {args.alerts:,} alerts in {fill_seconds:.1f} s"
            f" ({size_mb:.0f} MB)",
            flush=True,
        )
        password = "bench-password-123"
        user = User("bench", Role.ADMIN, PasswordHasher().hash(password))
        # Page times, not sign-in: bench_signin.py measures the two-factor steps.
        config = DashboardConfig(
            users={"bench": user}, secret_key="b" * 40, page_size=50, require_2fa=False
        )
        app = create_app(tmp, config, clock=lambda: now)
        figures: dict[str, dict[str, float | str]] = {}
        with TestClient(app) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token is not None
            client.post(
                "/login",
                data={"username": "bench", "password": password, "csrf_token": token.group(1)},
            )
            last_page = -(-filled.events // 50)
            for label, url in _pages(filled.alert_ids[0], VICTIM, ATTACKER_IP, last_page):
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    response = client.get(url)
                    _ = response.content
                    times.append((time.perf_counter() - t0) * 1000)
                    if response.status_code != 200:
                        print(f"{label}: HTTP {response.status_code}", file=sys.stderr)
                        return 1
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                figures[label] = {
                    "url": url,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(p95, 1),
                    "max_ms": round(times[-1], 1),
                }
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   target < {TARGET_MS:.0f} ms")
    worst = 0.0
    for label, fig in figures.items():
        p95 = float(fig["p95_ms"])
        worst = max(worst, p95)
        mark = "ok" if p95 < TARGET_MS else "SLOW"
        print(f"{label:34} {fig['p50_ms']:>8} {fig['p95_ms']:>8} {fig['max_ms']:>8}   {mark}")
    results = RESULTS
    if args.span_days != DEFAULT_SPAN_DAYS:
        results = RESULTS.with_name(f"dashboard-span{args.span_days:g}d.json")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "benchmark": "dashboard",
                "events": filled.events,
                "alerts": args.alerts,
                "span_days": args.span_days,
                "repeat": args.repeat,
                "fill_seconds": round(fill_seconds, 1),
                "store_mb": round(size_mb, 1),
                "target_ms": TARGET_MS,
                "worst_p95_ms": round(worst, 1),
                "pages": figures,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"worst p95 {worst:.0f} ms vs target {TARGET_MS:.0f} ms -> {results}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
