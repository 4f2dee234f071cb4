"""Units: login throttle, session codec, rate band, query helpers, crash handling."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from logward.dashboard import (
    SessionCodec,
    SqliteAuthStore,
    Throttle,
    like_escape,
    rate_chart,
)
from monitor import open_store
from tests.conftest import FakeClock


def test_throttle_counts_per_address_user_and_device(fake_clock, tmp_path):
    """Delays grow per (address, user); untrusted clients share a per-user budget; a device not."""
    store = SqliteAuthStore(tmp_path)
    throttle = Throttle(store, per_ip=10, per_user=4, window=60, free=1, clock=fake_clock)
    throttle.failed("10.0.0.1", "Bob", None)
    assert 0 == throttle.check("10.0.0.1", "bob", None).wait
    throttle.failed("10.0.0.1", "bob", None)
    assert 1.0 == throttle.check("10.0.0.1", "bob", None).wait
    assert 0 == throttle.check("10.0.0.2", "bob", None).wait
    fake_clock.advance(1)
    throttle.failed("10.0.0.1", "bob", None)
    assert 2.0 == throttle.check("10.0.0.1", "bob", None).wait
    throttle.failed("10.0.0.3", "bob", None)
    assert "user" == throttle.check("10.0.0.4", "bob", None).reason
    assert 0 == throttle.check("10.0.0.4", "bob", "my-device").wait
    fake_clock.advance(61)
    assert 0 == throttle.check("10.0.0.4", "bob", None).wait


def test_session_codec_rejects_tampering_and_expiry(fake_clock, tmp_path):
    """Cookies signed with another key, edited, expired or ended do not load."""
    store = SqliteAuthStore(tmp_path)
    codec = SessionCodec("k" * 40, max_age=100, store=store, clock=fake_clock)
    session = codec.new("alice")
    cookie = codec.dumps(session)
    assert session == codec.loads(cookie)
    assert codec.loads(SessionCodec("x" * 40, 100, store, fake_clock).dumps(session)) is None
    assert codec.loads(cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]) is None
    assert codec.loads("x" * 5000) is None
    fake_clock.advance(101)
    assert codec.loads(cookie) is None
    fresh = codec.new("alice")
    codec.end(fresh)
    assert codec.loads(codec.dumps(fresh)) is None


def test_rate_band_flags_only_spikes(tmp_path):
    """A steady series stays inside the band; a spike above it is an anomaly."""
    conn = open_store(tmp_path)
    base = 28_000_000
    rows = [(base + m, "failures", "", 10 + (m % 3)) for m in range(180)]
    rows[170] = (base + 170, "failures", "", 90)
    conn.executemany("INSERT INTO rates (minute, kind, key, count) VALUES (?,?,?,?)", rows)
    conn.commit()
    chart = rate_chart(conn, "failures", (base + 120) * 60, (base + 180) * 60)
    conn.close()
    assert 60 == len(chart["counts"])
    assert [(base + 170) * 60] == chart["anomalies"]
    i = chart["labels"].index((base + 170) * 60)
    assert chart["upper"][i] < 90
    assert all(
        lo <= c <= up
        for lo, c, up in zip(chart["lower"], chart["counts"], chart["upper"], strict=True)
        if c != 90
    )


def test_like_escape():
    """LIKE wildcards typed by a user match literally."""
    assert "100\\%\\_a\\\\b" == like_escape("100%_a\\b")


def test_unexpected_error_is_a_clean_500(app, monkeypatch, viewer):
    """A crash in a page gives a plain 500 without the exception text or a traceback."""

    def boom(*args, **kwargs):
        raise RuntimeError("db path /secret/place and jane@example.com")

    monkeypatch.setattr(app.state.ctx, "chain_status", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.cookies = viewer.cookies
        response = client.get("/audit")
    assert 500 == response.status_code
    assert "jane@example.com" not in response.text
    assert "Traceback" not in response.text
    assert "internal error" in response.text


@pytest.mark.parametrize("name", ["logward.dashboard"])
def test_all_is_complete_and_sorted(name):
    """The package's __all__ is sorted and names every public attribute."""
    import importlib
    import types

    module = importlib.import_module(name)
    assert sorted(module.__all__) == list(module.__all__)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set() == public - set(module.__all__)


def test_fake_clock_is_shared_type():
    """The dashboard tests drive the app with the project's FakeClock."""
    assert callable(FakeClock())


def test_chain_status_reverifies_stale_results_in_the_background(app, tmp_path, clock):
    """A cached verification is reused while fresh and redone off-thread once stale."""
    import time

    ctx = app.state.ctx
    first = ctx.chain_status()
    assert first is not None
    assert first[1].ok
    conn = open_store(tmp_path)
    conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    conn.commit()
    conn.close()
    assert first == ctx.chain_status()
    clock.advance(61)
    deadline = time.monotonic() + 10
    while True:
        current = ctx.chain_status()
        if current is not None and not current[1].ok:
            break
        assert time.monotonic() < deadline, "background verification never reported"
        time.sleep(0.02)
    assert 2 == current[1].first_bad_seq


def test_throttle_prunes_old_failures(fake_clock, tmp_path):
    """Failure records older than the window are dropped, so a spray cannot grow the table."""
    store = SqliteAuthStore(tmp_path)
    throttle = Throttle(store, per_ip=10, per_user=4, window=60, clock=fake_clock)
    throttle.failed("10.0.0.1", "old", None)
    fake_clock.advance(120)
    for i in range(Throttle.prune_every - 1):
        throttle.failed(f"10.1.{i // 250}.{i % 250}", f"u{i}", None)
    conn = open_store(tmp_path)
    left = conn.execute("SELECT COUNT(*) FROM dashboard_login_failures WHERE key = 'old'")
    assert 0 == left.fetchone()[0]
    conn.close()
