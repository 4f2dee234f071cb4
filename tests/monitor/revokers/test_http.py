"""HTTP revokers against a real HTTP server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from logward_base.errors import RevokeError
from monitor import Alert, Responder, open_store, parse_responses
from monitor.revokers import KeycloakRevoker, ScimRevoker, SecretRef, WebhookRevoker

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
ALERT = Alert("brute", "v1", "high", {"user.name": "bob"}, 9, 1.7e9, 1.7e9 + 5, 300.0)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """A real HTTP server that records requests and answers from a route function."""

    route: Callable[[Seen], tuple[int, object]]
    requests: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def http_server():
    servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(route) -> Recorder:
        rec = Recorder(route)

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                rec.requests.append(seen)
                status, answer = rec.route(seen)
                body = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = _handle

            def log_message(self, *args):
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        rec.server = server
        return rec

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def verify_standard_webhook(secret: str, seen: Seen, now: float) -> bool:
    """Receiver-side check written from the Standard Webhooks spec."""
    msg_id = seen.headers["webhook-id"]
    stamp = seen.headers["webhook-timestamp"]
    if abs(now - int(stamp)) > 300:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{stamp}.".encode() + seen.body, hashlib.sha256).digest()
    ).decode()
    sigs = [s.split(",", 1)[1] for s in seen.headers["webhook-signature"].split(" ")]
    return any(hmac.compare_digest(expected, s) for s in sigs)


def fail_first():
    """A route answering 503 to the first request and 200 afterwards."""
    calls: list[Seen] = []

    def route(seen: Seen):
        calls.append(seen)
        return (503, None) if len(calls) == 1 else (200, None)

    return route


class TestWebhook:
    def test_revoke_posts_signed_event(self, http_server, monkeypatch):
        """revoke() POSTs account.revoke with a valid Standard Webhooks signature."""
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        rec = http_server(lambda seen: (204, None))
        hook = WebhookRevoker("hook", rec.url + "/hooks/lw", SecretRef(env="HOOK_SECRET"))
        hook.revoke("bob", ALERT)
        (seen,) = rec.requests
        assert ("POST", "/hooks/lw") == (seen.method, seen.path)
        assert verify_standard_webhook(SECRET, seen, time.time())
        event = json.loads(seen.body)
        assert ("account.revoke", "bob") == (event["type"], event["data"]["account"])
        assert ALERT.id == event["data"]["alert"]["id"]

    def test_tampered_body_fails_verification(self, http_server, monkeypatch):
        """The signature covers the body: a changed body does not verify."""
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        rec = http_server(lambda seen: (200, {}))
        WebhookRevoker("hook", rec.url, SecretRef(env="HOOK_SECRET")).reinstate("bob", "ok")
        seen = rec.requests[0]
        seen.body = seen.body.replace(b"bob", b"eve")
        assert not verify_standard_webhook(SECRET, seen, time.time())

    def test_same_delivery_keeps_its_id_across_retries(self, http_server, monkeypatch):
        """A retried revoke for one alert reuses the webhook-id (receiver de-duplication)."""
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        rec = http_server(fail_first())
        hook = WebhookRevoker("hook", rec.url, SecretRef(env="HOOK_SECRET"))
        with pytest.raises(RevokeError) as info:
            hook.revoke("bob", ALERT)
        assert info.value.retryable
        hook.revoke("bob", ALERT)
        ids = {r.headers["webhook-id"] for r in rec.requests}
        assert 1 == len(ids)

    def test_missing_secret_fails_without_request(self, http_server, monkeypatch):
        """An unset secret variable is a RevokeError naming the variable, not the value."""
        monkeypatch.delenv("HOOK_SECRET", raising=False)
        rec = http_server(lambda seen: (200, None))
        with pytest.raises(RevokeError, match="env HOOK_SECRET"):
            WebhookRevoker("hook", rec.url, SecretRef(env="HOOK_SECRET")).revoke("bob", ALERT)
        assert [] == rec.requests

    def test_http_error_message_has_no_body(self, http_server, monkeypatch):
        """A 4xx answer is a non-retryable error naming the status, never the body."""
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        rec = http_server(lambda seen: (400, {"error": "jane@example.com is unknown"}))
        with pytest.raises(RevokeError) as info:
            WebhookRevoker("hook", rec.url, SecretRef(env="HOOK_SECRET")).revoke("bob", ALERT)
        assert "revoker 'hook': POST account.revoke answered HTTP 400" == str(info.value)
        assert not info.value.retryable


def scim_route(users: dict[str, str]):
    state: dict[str, bool] = {}

    def route(seen: Seen):
        if seen.headers.get("authorization") != "Bearer scim-token":
            return 401, {"detail": "no"}
        parts = urlsplit(seen.path)
        if seen.method == "GET" and parts.path == "/scim/v2/Users":
            flt = parse_qs(parts.query)["filter"][0]
            name = flt.split('"')[1]
            found = [{"id": users[name], "userName": name}] if name in users else []
            return 200, {"totalResults": len(found), "Resources": found}
        if seen.method == "PATCH" and parts.path.startswith("/scim/v2/Users/"):
            op = json.loads(seen.body)["Operations"][0]
            state[parts.path.rsplit("/", 1)[1]] = op["value"]
            return 200, {"id": parts.path.rsplit("/", 1)[1], "active": op["value"]}
        return 404, None

    return route, state


class TestScim:
    def test_revoke_and_reinstate_patch_active(self, http_server, tmp_path):
        """revoke() looks the user up by userName and PATCHes active=false; reinstate true."""
        token = tmp_path / "token"
        token.write_text("scim-token\n")
        route, state = scim_route({"bob": "u-42"})
        rec = http_server(route)
        scim = ScimRevoker("scim", rec.url + "/scim/v2", SecretRef(file=str(token)))
        scim.revoke("bob", ALERT)
        patch = rec.requests[1]
        assert ("PATCH", "/scim/v2/Users/u-42") == (patch.method, patch.path)
        assert {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        } == json.loads(patch.body)
        assert "application/scim+json" == patch.headers["content-type"]
        assert 'userName eq "bob"' == parse_qs(urlsplit(rec.requests[0].path).query)["filter"][0]
        scim.reinstate("bob", "reviewed")
        assert {"u-42": True} == state

    def test_unknown_user_is_an_error(self, http_server, tmp_path):
        """A userName the SCIM service does not know fails without a PATCH."""
        token = tmp_path / "token"
        token.write_text("scim-token")
        rec = http_server(scim_route({})[0])
        scim = ScimRevoker("scim", rec.url + "/scim/v2", SecretRef(file=str(token)))
        with pytest.raises(RevokeError, match="no SCIM user"):
            scim.revoke("bob", ALERT)
        assert ["GET"] == [r.method for r in rec.requests]


def keycloak_route(seen: Seen):
    parts = urlsplit(seen.path)
    if parts.path == "/realms/master/protocol/openid-connect/token":
        form = parse_qs(seen.body.decode())
        ok = form == {
            "grant_type": ["client_credentials"],
            "client_id": ["logward"],
            "client_secret": ["kc-secret"],
        }
        return (200, {"access_token": "tok-1", "expires_in": 60}) if ok else (401, None)
    if seen.headers.get("authorization") != "Bearer tok-1":
        return 401, None
    if seen.method == "GET" and parts.path == "/admin/realms/staff/users":
        query = parse_qs(parts.query)
        assert ["true"] == query["exact"]
        return 200, [{"id": "kc-7", "username": query["username"][0]}]
    if parts.path.startswith("/admin/realms/staff/users/kc-7"):
        return 204, None
    return 404, None


class TestKeycloak:
    def test_revoke_disables_and_logs_out(self, http_server, monkeypatch):
        """revoke(): client-credentials token, lookup, PUT enabled=false, POST logout."""
        monkeypatch.setenv("KC_SECRET", "kc-secret")
        rec = http_server(keycloak_route)
        kc = KeycloakRevoker(
            "kc", rec.url, "staff", "logward", SecretRef(env="KC_SECRET"), token_realm="master"
        )
        kc.revoke("bob", ALERT)
        calls = [(r.method, urlsplit(r.path).path) for r in rec.requests]
        assert [
            ("POST", "/realms/master/protocol/openid-connect/token"),
            ("GET", "/admin/realms/staff/users"),
            ("PUT", "/admin/realms/staff/users/kc-7"),
            ("POST", "/admin/realms/staff/users/kc-7/logout"),
        ] == calls
        assert {"enabled": False} == json.loads(rec.requests[2].body)

    def test_reinstate_enables(self, http_server, monkeypatch):
        """reinstate() PUTs enabled=true and does not log out."""
        monkeypatch.setenv("KC_SECRET", "kc-secret")
        rec = http_server(keycloak_route)
        KeycloakRevoker("kc", rec.url, "staff", "logward", SecretRef(env="KC_SECRET"), "master")\
            .reinstate("bob", "ok")  # fmt: skip
        assert {"enabled": True} == json.loads(rec.requests[-1].body)
        assert "PUT" == rec.requests[-1].method

    def test_wrong_secret_is_a_token_error(self, http_server, monkeypatch):
        """A rejected client secret fails at the token request."""
        monkeypatch.setenv("KC_SECRET", "wrong")
        rec = http_server(keycloak_route)
        kc = KeycloakRevoker(
            "kc", rec.url, "staff", "logward", SecretRef(env="KC_SECRET"), "master"
        )
        with pytest.raises(RevokeError, match="token request answered HTTP 401"):
            kc.revoke("bob", ALERT)


class TestThroughResponder:
    def test_webhook_revocation_end_to_end_with_retry(self, http_server, monkeypatch, tmp_path):
        """A responses.yaml webhook revoker: a 503 is retried, then the account is revoked."""
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        rec = http_server(fail_first())
        config = parse_responses(
            {
                "revokers": {"hook": {"type": "webhook", "url": rec.url + "/h",
                                      "secret": {"env": "HOOK_SECRET"}, "timeout": "2s"}},
                "responses": [{"name": "r", "actions": [
                    {"type": "revoke_account", "revoker": "hook"}]}],
            },
            "responses.yaml",
        )  # fmt: skip
        conn = open_store(tmp_path)
        resp = Responder(config, conn, sleep=lambda s: None)
        (result,) = resp.respond(ALERT)
        assert ("done", "hook") == (result.outcome, result.revoker)
        assert 2 == len(rec.requests)
        assert all(verify_standard_webhook(SECRET, r, time.time()) for r in rec.requests)
        reinstated = resp.reinstate("bob", "cli:alice", "false positive")
        assert "done" == reinstated.outcome
        assert "account.reinstate" == json.loads(rec.requests[-1].body)["type"]
        conn.close()
