"""logward monitor replay vs fail2ban-regex, side by side on the same sshd files.

Both are timed as a user runs them: wall time of the whole command, start-up
included, one core (``taskset -c CPU``), each file alternately, median of
``runs``. logward runs ``monitor replay --dry-run --format sshd`` with every
default rule; fail2ban-regex (Debian's fail2ban, ``filter.d/sshd.conf``) only
parses, it detects nothing. Three logs:

* ``realistic``: 200k lines of a busy bastion: logins (publickey and
  password), sessions, PAM, disconnects, scanners, a few brute forcers;
* ``flood``: 100k failed root passwords from one address within 50 minutes;
* ``distinct_flood``: 100k failed passwords, each from a different address.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["compare"]

FILTER = "/etc/fail2ban/filter.d/sshd.conf"
T0 = 1_732_701_600


def _stamp(ts: float) -> str:
    return time.strftime("%b %d %H:%M:%S", time.gmtime(ts))


def _any_ip(rng: random.Random) -> str:
    a, b, c, d = (
        rng.randrange(1, 224),
        rng.randrange(256),
        rng.randrange(256),
        rng.randrange(1, 255),
    )
    return f"{a}.{b}.{c}.{d}"


def realistic(n: int, rng: random.Random) -> list[str]:
    """A busy bastion's auth log: mostly normal traffic, some scanners and brute forcers."""
    users = [f"user{i}" for i in range(300)] + ["deploy", "backup", "git"]
    staff = [
        f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(400)
    ]
    attackers = [f"203.0.113.{i}" for i in range(1, 40)] + [f"198.51.100.{i}" for i in range(1, 60)]
    out: list[str] = []
    ts = float(T0)
    pid = 4000
    while len(out) < n:
        ts += rng.expovariate(1 / 0.4)
        pid += 1
        head = f"{_stamp(ts)} bastion sshd[{pid}]: "
        r = rng.random()
        port = rng.randrange(1024, 65535)
        if r < 0.35:
            ip, user = rng.choice(staff), rng.choice(users)
            out.append(
                head
                + f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:q1w2e3"
            )
            out.append(
                head
                + f"pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)"
            )
            out.append(head + f"Received disconnect from {ip} port {port}:11: disconnected by user")
            out.append(head + f"pam_unix(sshd:session): session closed for user {user}")
        elif r < 0.45:
            ip, user = rng.choice(staff), rng.choice(users)
            out.append(head + f"Failed password for {user} from {ip} port {port} ssh2")
            out.append(head + f"Accepted password for {user} from {ip} port {port} ssh2")
        elif r < 0.75:
            ip = rng.choice(attackers) if rng.random() < 0.5 else (_any_ip(rng))
            user = rng.choice(["root", "admin", "test", "oracle", "ubuntu", "pi", "postgres"])
            if user == "root":
                out.append(head + f"Failed password for root from {ip} port {port} ssh2")
            else:
                out.append(head + f"Invalid user {user} from {ip} port {port}")
                out.append(
                    head + f"Failed password for invalid user {user} from {ip} port {port} ssh2"
                )
            out.append(
                head + f"Connection closed by authenticating user {user} {ip} port {port} [preauth]"
            )
        elif r < 0.9:
            ip = _any_ip(rng)
            out.append(head + f"Connection closed by {ip} port {port} [preauth]")
        else:
            ip = rng.choice(attackers)
            out.append(head + f"Disconnected from invalid user admin {ip} port {port} [preauth]")
    return out[:n]


def flood(n: int, distinct: bool) -> list[str]:
    """n failed root passwords within 50 minutes, from one address or each from its own."""
    out = []
    for i in range(n):
        ip = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" if distinct else "203.0.113.7"
        stamp = _stamp(T0 + i * 3000 // n)
        out.append(
            f"{stamp} bastion sshd[{1000 + i % 30000}]: Failed password for root from {ip}"
            f" port {1024 + i % 60000} ssh2"
        )
    return out


def _wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def compare(runs: int = 3, lines: int = 200_000, flood_lines: int = 100_000) -> dict[str, float]:
    """Lines/s (wall, start-up included, one core) of logward and fail2ban-regex per log."""
    if shutil.which("fail2ban-regex") is None or not Path(FILTER).is_file():
        print("fail2ban-regex not installed (make fail2ban): comparison skipped", file=sys.stderr)
        return {}
    cpu = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    pin = ["taskset", "-c", str(cpu)] if shutil.which("taskset") else []
    logs = {
        "realistic": realistic(lines, random.Random(10)),
        "flood": flood(flood_lines, distinct=False),
        "distinct_flood": flood(flood_lines, distinct=True),
    }
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in logs.items():
            path = Path(tmp) / f"{name}.log"
            path.write_text("\n".join(content) + "\n")
            ours = [*pin, sys.executable, "-m", "logward", "monitor", "replay", "--dry-run",
                    "--format", "sshd", "--year", "2024", str(path)]  # fmt: skip
            theirs = [*pin, "fail2ban-regex", str(path), FILTER]
            t_ours, t_theirs = [], []
            for _ in range(runs):
                t_ours.append(_wall(ours))
                t_theirs.append(_wall(theirs))
            a, b = statistics.median(t_ours), statistics.median(t_theirs)
            out[f"vs_f2b_{name}_lines"] = len(content)
            out[f"vs_f2b_{name}_logward_lines_per_s"] = round(len(content) / a)
            out[f"vs_f2b_{name}_fail2ban_lines_per_s"] = round(len(content) / b)
            out[f"vs_f2b_{name}_ratio"] = round(b / a, 2)
    return out
