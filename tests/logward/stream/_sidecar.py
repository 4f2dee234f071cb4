"""Run ``logward stream`` as a subprocess for the kill/restart tests."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests._services import free_port

RULES = str(Path(__file__).with_name("rules"))
LOGWARD = str(Path(sys.executable).with_name("logward"))
SEAL_KEY = base64.b64encode(bytes(range(32))).decode()
FAST = [
    "--session-timeout-ms",
    "6000",
    "--heartbeat-interval-ms",
    "1000",
    "--max-poll-interval-ms",
    "3000",
]


def unique(prefix: str) -> str:
    """A topic/group name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Sidecar:
    """A running ``logward stream`` process and its metrics port."""

    proc: subprocess.Popen[bytes]
    metrics_port: int
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.metrics_port}{path}", timeout=2
            ) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def metric(self, name: str) -> float:
        """Sum of a metric's samples (0 if absent or the server is not up)."""
        try:
            _, body = self.get("/metrics")
        except OSError:
            return 0.0
        total = 0.0
        for line in body.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def terminate(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def start_sidecar(tmp_path: Path, bootstrap: str, *args: str, name: str = "sidecar") -> Sidecar:
    """Start ``logward stream`` with the test rules, fast group settings and a seal key."""
    port = free_port()
    log = tmp_path / f"{name}-{port}.log"
    env = {**os.environ, "LOGWARD_SEAL_KEY": SEAL_KEY}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                LOGWARD,
                "stream",
                "--bootstrap-servers",
                bootstrap,
                "--rules",
                RULES,
                "--metrics-port",
                str(port),
                "--batch-size",
                "50",
                "--linger-ms",
                "20",
                *FAST,
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    car = Sidecar(proc, port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sidecar exited {proc.returncode}: {car.logs()}")
        try:
            car.get("/healthz")
            return car
        except OSError:
            time.sleep(0.1)
    car.stop()
    raise TimeoutError("sidecar metrics never came up")


def wait_until(predicate, timeout: float, step: float = 0.2) -> bool:
    """Poll ``predicate`` until true or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def source_ids(messages) -> list[str]:
    """The ``logward-source`` header of each clean output record."""
    return [dict(m.headers)["logward-source"].decode() for m in messages]
