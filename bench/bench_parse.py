"""Parsing throughput per format (lines/s on one core), beside fail2ban's sshd filter.

Input: the golden lines of ``tests/monitor/parsers/golden`` plus generated
realistic traffic (attack bursts, normal logins, noise from other programs),
repeated to ``--lines`` lines per format. Each format is parsed in one
process, single-threaded, best of ``--repeat`` runs, timed in CPU seconds of
this process (``time.process_time``: the cost on one core, even when other
processes share the machine; wall-clock figures are recorded beside). Figures go to
``bench/results/parse.json``.

``x event`` is the cost per line divided by the cost of constructing one bare
``AccessEvent`` (the floor for any parser); it moves much less than absolute
figures when other processes share the cores.

Baseline, measured here in the same run: Debian's ``fail2ban-regex LOG
/etc/fail2ban/filter.d/sshd.conf`` (parse only) against a parse-only logward
process (``--parse-file``: the sshd parser with the default scrubber, as
``monitor parse`` wires it) on the same generated files - a realistic sshd log
and a flood of failed root passwords from one address - wall time including
start-up, best of ``--repeat``. ``make bench`` installs fail2ban from Debian's
packages when missing; without it that comparison is reported as unmeasured.
The old quoted figure (about 12,000 lines/s) is kept in the JSON only for
history. Budget: about 8 µs per line (>= 125,000
lines/s) so that parse + all rules reach 50,000 events/s. The issue's target is
that end-to-end figure (``bench_monitor``); this per-parser budget is ours and
is reported, not enforced (the exit status is 0 either way).

Run: ``python -m bench bench_parse`` or ``python bench/bench_parse.py --lines 200000``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from monitor.parsers import PARSERS, get_parser  # noqa: E402

GOLDEN = ROOT / "tests" / "monitor" / "parsers" / "golden"
RESULTS = ROOT / "bench" / "results" / "parse.json"
FAIL2BAN_SSHD_LINES_PER_S = 12_000
TARGET_US_PER_LINE = 8.0

USERS = ["root", "admin", "oracle", "test", "ubuntu", "git", "deploy", "postgres", "alice", "bob"]
MONTHS = ["Jan", "Feb", "Mar"]


def _ip(rng: random.Random) -> str:
    return (
        f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def _golden(fmt: str) -> list[str]:
    path = GOLDEN / f"{fmt}.log"
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _sshd(rng: random.Random, n: int) -> list[str]:
    out = []
    second = 0
    for i in range(n):
        second += rng.random() < 0.3
        stamp = f"{MONTHS[(second // 86400) % 3]} {1 + (second // 3600) % 28:2d} " + time.strftime(
            "%H:%M:%S", time.gmtime(second)
        )
        pid = 1000 + i // 4
        ip, user = _ip(rng), rng.choice(USERS)
        kind = rng.random()
        if kind < 0.35:
            msg = f"Failed password for {user} from {ip} port {rng.randint(1024, 65535)} ssh2"
        elif kind < 0.5:
            msg = f"Invalid user {user} from {ip} port {rng.randint(1024, 65535)}"
        elif kind < 0.6:
            msg = (
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                f"ruser= rhost={ip}  user={user}"
            )
        elif kind < 0.7:
            msg = f"Accepted publickey for {user} from {ip} port 50000 ssh2: ED25519 SHA256:abc"
        elif kind < 0.8:
            msg = f"Connection closed by authenticating user {user} {ip} port 40000 [preauth]"
        elif kind < 0.85:
            msg = f"Received disconnect from {ip} port 40000:11: Bye Bye [preauth]"
        else:
            out.append(
                f"{stamp} web1 CRON[{pid}]: pam_unix(cron:session): session closed for user root"
            )
            continue
        out.append(f"{stamp} web1 sshd[{pid}]: {msg}")
    return out


def _combined(rng: random.Random, n: int) -> list[str]:
    paths = ["/", "/login", "/api/v1/items", "/admin/login", "/static/app.js", "/search?q=x"]
    agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.4.0", "python-requests/2.31.0"]
    out = []
    for i in range(n):
        second = i // 5
        stamp = f"{1 + second // 86400 % 28:02d}/Mar/2024:" + time.strftime(
            "%H:%M:%S", time.gmtime(second)
        )
        method = "POST" if rng.random() < 0.2 else "GET"
        status = rng.choice([200, 200, 200, 302, 401, 403, 404])
        out.append(
            f'{_ip(rng)} - - [{stamp} +0000] "{method} {rng.choice(paths)} HTTP/1.1" {status} '
            f'{rng.randint(0, 5000)} "-" "{rng.choice(agents)}"'
        )
    return out


def _json(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        record = {
            "@timestamp": f"2024-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.123Z",
            "event": {
                "category": ["authentication"],
                "action": "login",
                "outcome": rng.choice(["success", "failure"]),
            },
            "user": {"name": rng.choice(USERS)},
            "source": {"ip": _ip(rng)},
            "service.name": "admin-api",
        }
        out.append(json.dumps(record))
    return out


def _nginx(rng: random.Random, n: int) -> list[str]:
    return [
        f"2024/03/01 10:{i // 60 % 60:02d}:{i % 60:02d} [error] 11#11: *{i} user "
        f'"{rng.choice(USERS)}": password mismatch, client: {_ip(rng)}, server: example.org, '
        f'request: "GET /admin HTTP/1.1", host: "example.org"'
        for i in range(n)
    ]


def _apache(rng: random.Random, n: int) -> list[str]:
    return [
        f"[Fri Mar 01 10:{i // 60 % 60:02d}:{i % 60:02d}.123456 2024] [auth_basic:error] "
        f"[pid 1:tid 2] [client {_ip(rng)}:5{i % 1000:03d}] AH01617: user {rng.choice(USERS)}: "
        f'authentication failure for "/admin": Password Mismatch'
        for i in range(n)
    ]


GENERATORS = {
    "sshd": _sshd,
    "combined": _combined,
    "json": _json,
    "nginx-error": _nginx,
    "apache-error": _apache,
}


def _corpus(fmt: str, total: int, rng: random.Random) -> list[str]:
    golden = _golden(fmt)
    generated = GENERATORS[fmt](rng, max(total - len(golden) * 10, total // 2))
    lines = golden * 10 + generated
    rng.shuffle(lines)
    return lines[:total]


def _measure(fmt: str, lines: list[str], repeat: int) -> dict[str, float | int]:
    best = best_wall = float("inf")
    events = 0
    for _ in range(repeat):
        parser = get_parser(fmt, year_rule=2024)
        parse = parser.parse
        wall, cpu = time.perf_counter(), time.process_time()
        for number, line in enumerate(lines, 1):
            parse(line, number, "bench.log")
        best = min(best, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
        events = parser.stats.parsed
    return {
        "lines": len(lines),
        "events": events,
        "cpu_seconds": round(best, 4),
        "wall_seconds": round(best_wall, 4),
        "lines_per_s": round(len(lines) / best),
        "us_per_line": round(best / len(lines) * 1e6, 3),
        "wall_lines_per_s": round(len(lines) / best_wall),
    }


def _calibrate() -> float:
    """Return the cost (us) of building one bare AccessEvent: the floor of any parser here."""
    from monitor import AccessEvent

    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(20_000):
            AccessEvent(
                timestamp=1.0,
                category="authentication",
                action="login",
                outcome="failure",
                user_name="root",
                source_ip="192.0.2.1",
                line=1,
            )
        best = min(best, time.process_time() - start)
    return best / 20_000 * 1e6


FAIL2BAN_REGEX = "/usr/bin/fail2ban-regex"
FAIL2BAN_SSHD = "/etc/fail2ban/filter.d/sshd.conf"


def _flood(n: int) -> list[str]:
    """``n`` failed root passwords from one address within 50 minutes (one pid each)."""
    out = []
    for i in range(n):
        second = i * 3000 // n
        stamp = f"Mar  1 10:{second // 60:02d}:{second % 60:02d}"
        out.append(
            f"{stamp} web1 sshd[{10000 + i}]: Failed password for root from 203.0.113.77 "
            f"port {1024 + i % 60000} ssh2"
        )
    return out


def _parse_file(path: str) -> int:
    """Parse ``path`` as sshd with the default scrubber (what ``monitor parse`` wires)."""
    from scrubber import get_default_scrubber

    parser = get_parser("sshd", year_rule=2024, scrub=get_default_scrubber().scrub_text)
    parse = parser.parse
    with Path(path).open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            parse(line, number, path)
    print(json.dumps(parser.stats.as_dict()))
    return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall(command: list[str], repeat: int) -> tuple[float, float] | None:
    """Best (wall, CPU) seconds of ``command`` over ``repeat`` runs, start-up included.

    CPU is the child's user+system time: its cost on one core, which the load
    of other processes on this shared machine inflates far less than wall time.
    """
    best = best_cpu = float("inf")
    for _ in range(repeat):
        cpu = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False, cwd=ROOT)
        if done.returncode != 0:
            return None
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, _children_cpu() - cpu)
    return best, best_cpu


def _side_by_side(repeat: int, realistic_lines: int, flood_lines: int) -> dict[str, object]:
    """logward's sshd parser beside Debian's fail2ban-regex: same files, start-up included."""
    rng = random.Random(20261204)
    have_fail2ban = Path(FAIL2BAN_REGEX).exists() and Path(FAIL2BAN_SSHD).exists()
    out: dict[str, object] = {"fail2ban_regex": FAIL2BAN_REGEX if have_fail2ban else None}
    with tempfile.TemporaryDirectory() as tmp:
        logs = {
            "realistic": _sshd(rng, realistic_lines),
            "single_address_flood": _flood(flood_lines),
        }
        for name, lines in logs.items():
            path = Path(tmp) / f"{name}.log"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            ours_cmd = [sys.executable, str(Path(__file__)), "--parse-file", str(path)]
            ours = _wall(ours_cmd, repeat)
            theirs = None
            if have_fail2ban:
                cmd = [FAIL2BAN_REGEX, str(path), FAIL2BAN_SSHD]
                theirs = _wall(cmd, max(1, repeat - 1))
            row: dict[str, object] = {"lines": len(lines)}
            for who, got in (("logward", ours), ("fail2ban_regex", theirs)):
                if got is not None:
                    row[f"{who}_wall_s"] = round(got[0], 3)
                    row[f"{who}_cpu_s"] = round(got[1], 3)
                    row[f"{who}_lines_per_s"] = round(len(lines) / got[0])
            if ours is not None and theirs is not None:
                row["ratio_wall"] = round(theirs[0] / ours[0], 2)
                row["ratio_cpu"] = round(theirs[1] / ours[1], 2)
            out[name] = row
            print(
                f"sshd {name:<21}{len(lines):>7} lines: logward "
                f"{row.get('logward_lines_per_s', '?')} lines/s wall, fail2ban-regex "
                f"{row.get('fail2ban_regex_lines_per_s', 'unmeasured')} lines/s wall; "
                f"ratio wall x{row.get('ratio_wall', '?')}, cpu x{row.get('ratio_cpu', '?')}"
            )
    return out


def _agreement() -> dict[str, object]:
    """Agreement with fail2ban's annotated test logs (tests/monitor/parsers/_fail2ban.py)."""
    from tests.monitor.parsers._fail2ban import score_format

    out: dict[str, object] = {}
    for fmt in ("sshd", "nginx-error", "apache-error"):
        result = score_format(fmt)
        out[fmt] = {
            "per_line": round(result.line_ratio, 3),
            "lines": [result.lines_agree, result.lines_total],
            "per_line_and_mode": round(result.ratio, 3),
        }
        print(
            f"fail2ban agreement {fmt:<13} {result.line_ratio:.3f} per line "
            f"({result.lines_agree}/{result.lines_total}); {result.ratio:.3f} per line and mode"
        )
    return out


def main(argv: list[str]) -> int:
    """Measure every format; print figures beside the baseline; write the JSON results."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--lines", type=int, default=100_000, help="lines per format")
    args.add_argument("--repeat", type=int, default=3, help="runs per format (best is kept)")
    args.add_argument("--parse-file", default=None, help=argparse.SUPPRESS)
    args.add_argument("--realistic-lines", type=int, default=200_000)
    args.add_argument("--flood-lines", type=int, default=100_000)
    opts = args.parse_args(argv)
    if opts.parse_file:
        return _parse_file(opts.parse_file)
    rng = random.Random(20240301)
    results: dict[str, object] = {
        "baseline": {"fail2ban_sshd_lines_per_s": FAIL2BAN_SSHD_LINES_PER_S},
        "target_us_per_line": TARGET_US_PER_LINE,
        "python": sys.version.split()[0],
        "formats": {},
    }
    floor = _calibrate()
    results["event_construction_us"] = round(floor, 3)
    results["load_average_start"] = round(os.getloadavg()[0], 2)
    print(f"machine check: building one AccessEvent costs {floor:.2f} us (less when idle)")
    print(
        f"{'format':<14}{'lines/s':>12}{'us/line':>10}{'x event':>9}{'events':>9}"
        "   baseline / target"
    )
    for fmt in sorted(PARSERS):
        figures = _measure(fmt, _corpus(fmt, opts.lines, rng), opts.repeat)
        figures["x_event_construction"] = round(figures["us_per_line"] / floor, 2)
        results["formats"][fmt] = figures  # type: ignore[index]
        note = f"budget <= {TARGET_US_PER_LINE} us/line"
        if fmt == "sshd":
            note += "; fail2ban-regex measured below"
        ok = figures["us_per_line"] <= TARGET_US_PER_LINE
        print(
            f"{fmt:<14}{figures['lines_per_s']:>12,}{figures['us_per_line']:>10}"
            f"{figures['x_event_construction']:>9}"
            f"{figures['events']:>9}   {note} {'within' if ok else 'over'}"
        )
    results["agreement_with_fail2ban_tests"] = _agreement()
    results["side_by_side_fail2ban_regex"] = _side_by_side(
        opts.repeat, opts.realistic_lines, opts.flood_lines
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
