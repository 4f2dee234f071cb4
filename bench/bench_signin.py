"""Server time per sign-in step with two factors (target: < 300 ms per step).

Drives the real dashboard app (Starlette TestClient: middleware, CSRF, store,
audit) through ``POST /login`` (argon2id password check with argon2-cffi's
default parameters, as ``logward dashboard adduser`` writes them) and
``POST /login/2fa`` (TOTP check, replay guard, session rotation), ``--repeat``
times each, with a fresh user per round so no throttle applies. Baseline in the
same run: one bare argon2id verification, to show how much of the first step
it accounts for. Wall and CPU (process) time are both reported.

Usage: ``python -m bench bench_signin`` or ``python -m bench.bench_signin [--repeat N]``.
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

TARGET_MS = 300.0
RESULTS = Path(__file__).parent / "results" / "signin.json"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(text: str) -> str:
    match = CSRF.search(text)
    assert match is not None
    return match.group(1)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_signin")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    import pyotp
    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from logward.dashboard import DashboardConfig, Role, TotpBox, User, create_app, create_key_file

    hasher = PasswordHasher()
    password = "bench-password-123"
    pw_hash = hasher.hash(password)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        key = tmp / "totp.key"
        create_key_file(key)
        box = TotpBox(key)
        secrets = {f"u{i}": pyotp.random_base32() for i in range(args.repeat)}
        users = {
            n: User(n, Role.ADMIN, pw_hash, totp_secret=box.seal(s, n)) for n, s in secrets.items()
        }
        config = DashboardConfig(users=users, secret_key="b" * 40, totp_key_file=str(key))
        app = create_app(tmp, config)
        steps: dict[str, list[tuple[float, float]]] = {"password": [], "code": []}
        for name, secret in secrets.items():
            with TestClient(app) as client:
                token = _csrf(client.get("/login").text)
                form = {"username": name, "password": password, "csrf_token": token}
                wall, cpu = time.perf_counter(), time.process_time()
                first = client.post("/login", data=form, follow_redirects=False)
                steps["password"].append((time.perf_counter() - wall, time.process_time() - cpu))
                assert first.headers["location"].startswith("/login/2fa"), first.status_code
                token = _csrf(client.get("/login/2fa").text)
                code = {"code": pyotp.TOTP(secret).now(), "csrf_token": token}
                wall, cpu = time.perf_counter(), time.process_time()
                done = client.post("/login/2fa", data=code, follow_redirects=False)
                steps["code"].append((time.perf_counter() - wall, time.process_time() - cpu))
                assert done.headers["location"] == "/", done.status_code
        bare, bare_wall = [], []
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            hasher.verify(pw_hash, password)
            bare.append(time.process_time() - cpu)
            bare_wall.append(time.perf_counter() - wall)
    figures: dict[str, float] = {}
    for step, samples in steps.items():
        walls = sorted(w for w, _ in samples)
        figures[f"{step}_wall_p50_ms"] = round(statistics.median(walls) * 1000, 1)
        figures[f"{step}_wall_max_ms"] = round(walls[-1] * 1000, 1)
        figures[f"{step}_cpu_p50_ms"] = round(statistics.median(c for _, c in samples) * 1000, 1)
    figures["baseline_argon2_verify_cpu_p50_ms"] = round(statistics.median(bare) * 1000, 1)
    figures["baseline_argon2_verify_wall_p50_ms"] = round(statistics.median(bare_wall) * 1000, 1)
    figures["target_ms"] = TARGET_MS
    for step in steps:
        wall_p50, wall_max = figures[f"{step}_wall_p50_ms"], figures[f"{step}_wall_max_ms"]
        cpu_p50 = figures[f"{step}_cpu_p50_ms"]
        print(f"{step:9} wall p50 {wall_p50:7} ms  max {wall_max:7} ms  cpu p50 {cpu_p50:7} ms")
    base_cpu = figures["baseline_argon2_verify_cpu_p50_ms"]
    base_wall = figures["baseline_argon2_verify_wall_p50_ms"]
    print(f"baseline: bare argon2id verify (default parameters): cpu p50 {base_cpu} ms,")
    print(f"          wall p50 {base_wall} ms; target < {TARGET_MS:.0f} ms per step")
    print("(machine shared with other jobs: wall-clock figures are noisy; argon2 uses 4 lanes)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    ok = all(figures[f"{s}_cpu_p50_ms"] < TARGET_MS for s in steps)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
