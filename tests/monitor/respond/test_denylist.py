"""The IP deny-list: table, atomic text export, HTTP endpoint, expiry, responder routing."""

from __future__ import annotations

import urllib.request

import pytest

from monitor import (
    Alert,
    DenyList,
    Responder,
    denylist_text,
    normalize_ip,
    open_store,
    parse_responses,
    serve_denylist,
)


@pytest.fixture
def store(tmp_path):
    conn = open_store(tmp_path / "data")
    yield conn
    conn.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:DB8::1", "2001:db8::1"),
        ("198.51.100.0/24", "198.51.100.0/24"),
        ("198.51.100.7/32", "198.51.100.7"),
        ("host.example.com", None),
        ("1.2.3.999", None),
    ],
)
def test_normalize_ip(text, expected):
    """Addresses are canonicalised; IPv4-mapped IPv6 becomes IPv4; names are refused."""
    assert expected == normalize_ip(text)


class TestDenyList:
    def test_add_exports_file_atomically_and_sorted(self, store, tmp_path, fake_clock):
        """Each change rewrites the file with one entry per line and no temp files left."""
        path = tmp_path / "out" / "deny.txt"
        deny = DenyList(store, path, fake_clock)
        assert deny.add("203.0.113.9")
        assert deny.add("198.51.100.0/24")
        assert not deny.add("203.0.113.9")
        assert "198.51.100.0/24\n203.0.113.9\n" == path.read_text()
        assert ["deny.txt"] == [p.name for p in path.parent.iterdir()]
        assert deny.remove("203.0.113.9")
        assert "198.51.100.0/24\n" == path.read_text()

    def test_expired_entries_leave_list_and_file(self, store, tmp_path, fake_clock):
        """expire_due() drops entries whose time has come; the text hides them already."""
        path = tmp_path / "deny.txt"
        deny = DenyList(store, path, fake_clock)
        deny.add("203.0.113.9", expires_at=fake_clock.now + 60)
        deny.add("203.0.113.10")
        fake_clock.advance(60)
        assert "203.0.113.10\n" == denylist_text(store, fake_clock.now)
        assert ["203.0.113.9"] == deny.expire_due()
        assert "203.0.113.10\n" == path.read_text()

    def test_http_endpoint_serves_text_plain(self, store, fake_clock):
        """serve_denylist answers GET /denylist.txt with the active list as text/plain."""
        DenyList(store, None, fake_clock).add("203.0.113.9")
        server = serve_denylist(store, "127.0.0.1", 0, clock=fake_clock)
        try:
            with urllib.request.urlopen(server.url, timeout=5) as resp:  # noqa: S310
                body = resp.read().decode()
                ctype = resp.headers["content-type"]
        finally:
            server.close()
        assert "203.0.113.9\n" == body
        assert ctype.startswith("text/plain")


CONFIG = {
    "allow": {"cidrs": ["192.0.2.0/24"]},
    "responses": [
        {"name": "ip", "match": {"key": "source.ip"}, "actions": [
            {"type": "deny_ip", "duration": "1h"}]},
    ],
}  # fmt: skip


def ip_alert(ip: str, first_seen: float = 1.7e9) -> Alert:
    return Alert("brute-force-ip", "v1", "high", {"source.ip": ip}, 20, first_seen, 1.7e9, 300.0)


class TestResponderDenyIp:
    def test_ip_alert_is_listed_with_expiry_and_expires(self, store, fake_clock, tmp_path):
        """deny_ip lists the address until the duration passes; expire_due removes it."""
        resp = Responder(parse_responses(CONFIG, "r.yaml"), store, clock=fake_clock)
        (result,) = resp.respond(ip_alert("::ffff:203.0.113.9"))
        assert ("done", "203.0.113.9") == (result.outcome, result.target)
        assert fake_clock.now + 3600 == result.expires_at
        assert "203.0.113.9\n" == (tmp_path / "data" / "denylist.txt").read_text()
        (again,) = resp.respond(ip_alert("203.0.113.9", first_seen=1.7e9 + 1))
        assert ("skipped", "address already deny-listed") == (again.outcome, again.reason)
        fake_clock.advance(3600)
        assert ["deny_ip_expired"] == [r.action for r in resp.expire_due()]
        assert "" == (tmp_path / "data" / "denylist.txt").read_text()

    def test_trusted_cidr_is_never_listed(self, store, fake_clock):
        """An address inside a trusted CIDR is skipped with the reason."""
        resp = Responder(parse_responses(CONFIG, "r.yaml"), store, clock=fake_clock)
        (result,) = resp.respond(ip_alert("192.0.2.44"))
        assert ("skipped", "address in a trusted CIDR") == (result.outcome, result.reason)
        assert "" == denylist_text(store, fake_clock.now)

    def test_hostname_key_is_skipped(self, store, fake_clock):
        """A key that is not an address (sshd may log host names) is skipped, not listed."""
        resp = Responder(parse_responses(CONFIG, "r.yaml"), store, clock=fake_clock)
        (result,) = resp.respond(ip_alert("attacker.example"))
        assert ("skipped", "alert has no valid address key") == (result.outcome, result.reason)


def test_unwritable_denylist_file_is_a_recorded_failure(store, fake_clock, tmp_path):
    """If the deny-list file cannot be written the action is 'failed', and respond() returns."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    resp = Responder(
        parse_responses(CONFIG, "r.yaml"), store, clock=fake_clock,
        denylist_path=blocker / "deny.txt",
    )  # fmt: skip
    (result,) = resp.respond(ip_alert("203.0.113.77"))
    assert "failed" == result.outcome
    assert result.error is not None
    assert result.error.startswith(("FileExistsError", "NotADirectoryError"))
    assert "failed" == store.execute("SELECT outcome FROM actions").fetchone()[0]
