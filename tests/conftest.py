"""Shared fixtures: logging hygiene, an injectable clock, real service processes.

Network access other than loopback is forbidden for the whole run by
pytest-socket (``--allow-hosts`` in pyproject.toml): code that phones home fails.
"""

from __future__ import annotations

import os

from tests import _purepy

if os.environ.get("LOGWARD_PURE_PYTHON") == "1":
    _purepy.prefer_sources()  # before anything imports scrubber or detectors

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests._services import (
    ElasticServer,
    KafkaBroker,
    PostgresServer,
    start_elastic,
    start_kafka,
    start_postgres,
)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Give every test the logging configuration it started with."""
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    saved_filters = root.filters[:]
    saved_level = root.level
    saved_last_resort = logging.lastResort
    saved_last_resort_filters = logging.lastResort.filters[:] if logging.lastResort else []
    loggers = dict(logging.Logger.manager.loggerDict)
    saved_children = {
        name: (lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled)
        for name, lg in loggers.items()
        if isinstance(lg, logging.Logger)
    }
    yield
    root.handlers[:] = saved_handlers
    root.filters[:] = saved_filters
    root.setLevel(saved_level)
    logging.lastResort = saved_last_resort
    if saved_last_resort is not None:
        saved_last_resort.filters[:] = saved_last_resort_filters
    for name, (handlers, filters, level, propagate, disabled) in saved_children.items():
        lg = logging.getLogger(name)
        lg.handlers[:] = handlers
        lg.filters[:] = filters
        lg.setLevel(level)
        lg.propagate = propagate
        lg.disabled = disabled


@dataclass
class FakeClock:
    """A clock tests move by hand; call it for the current time (epoch seconds)."""

    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock at a fixed instant that only moves when the test says so."""
    return FakeClock()


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """A real Kafka-protocol broker (Tansu) on a free loopback port, for the session."""
    broker = start_kafka(tmp_path_factory.mktemp("kafka"))
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def es_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ElasticServer]:
    """A real Elasticsearch-compatible server (noida-db) on a free loopback port."""
    server = start_elastic(tmp_path_factory.mktemp("elastic"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL 15 in a temporary directory (owned by ``postgres``), for the session."""
    import shutil
    import tempfile
    from pathlib import Path

    workdir = Path(tempfile.mkdtemp(prefix="logward-pg-"))
    server = start_postgres(workdir)
    try:
        yield server
    finally:
        from monitor.store import close_pools

        close_pools()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pg_url(
    pg_server: PostgresServer,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """The URL of a fresh, empty database on :func:`pg_server` for this test.

    Its store key (personal fields are encrypted with it) is one key file for
    every process of the test, as a fleet shares one (``$LOGWARD_STORE_KEY_FILE``).
    """
    import base64
    import hashlib
    import secrets

    key = tmp_path_factory.mktemp("pgkey") / "store.key"
    key.write_text(base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
    key.chmod(0o600)
    monkeypatch.setenv("LOGWARD_STORE_KEY_FILE", str(key))
    return pg_server.database("t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20])


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test compiled modules older than their sources."""
    stale = [] if os.environ.get("LOGWARD_PURE_PYTHON") == "1" else _purepy.stale_extensions()
    if stale:
        pytest.exit(
            f"compiled modules are older than their sources: {', '.join(stale[:3])}; "
            "run `make compile` (or `python tools/compile_hot.py --clean` for plain Python)",
            returncode=4,
        )
