"""The revoker registry: each type checks its own fields, builds itself; a new type is one line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pytest

from logward_base.errors import RuleError
from monitor import Alert, Responder, open_store, parse_responses
from monitor.revokers import (
    REVOKERS,
    CommandRevoker,
    KeycloakRevoker,
    Revoker,
    ScimRevoker,
    SecretRef,
    SqliteRevoker,
    WebhookRevoker,
    build_revoker,
    check_revoker_spec,
    string_field,
)

ALERT = Alert("brute", "v1", "high", {"user.name": "bob"}, 9, 1.7e9, 1.7e9 + 5, 300.0)
HOOK = {"type": "webhook", "url": "https://hooks.example/x", "secret": {"env": "S"}}
SCIM = {"type": "scim", "base_url": "https://idp.example/scim/v2", "token": {"file": "/t"}}
KEYCLOAK = {
    "type": "keycloak",
    "base_url": "https://sso.example",
    "realm": "staff",
    "client_id": "logward",
    "client_secret": {"env": "KC"},
}
COMMAND = {"type": "command", "revoke_argv": ["lock", "{account}"], "reinstate_argv": ["unlock"]}


class ListRevoker:
    """A toy revoker kept in a list: what a new kind of revoker needs, and nothing else."""

    REQUIRED: ClassVar[frozenset[str]] = frozenset({"team"})
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, name: str, team: str) -> None:
        self.name = name
        self.team = team
        self.revoked: list[str] = []

    @classmethod
    def check_spec(cls, name: str, spec: Mapping[str, Any], *, file: str) -> dict[str, Any]:
        """``team``: a non-empty string."""
        return {"team": string_field(file, name, "team", spec["team"])}

    @classmethod
    def from_spec(
        cls, name: str, spec: Mapping[str, Any], *, conn: Any, clock: Callable[[], float]
    ) -> ListRevoker:
        """Build from a checked spec."""
        return cls(name, spec["team"])

    def revoke(self, account: str, alert: Alert) -> None:
        """Remember ``account`` as revoked."""
        self.revoked.append(account)

    def reinstate(self, account: str, reason: str) -> None:
        """Forget ``account``."""
        self.revoked.remove(account)


@pytest.fixture
def with_list_type(monkeypatch):
    """ListRevoker registered as type ``list`` for one test (the one registry line)."""
    monkeypatch.setitem(REVOKERS, "list", ListRevoker)


def test_registry_holds_the_shipped_types():
    """Every shipped type maps to its class, and nothing else is registered."""
    expected: dict[str, Any] = {
        "command": CommandRevoker,
        "keycloak": KeycloakRevoker,
        "scim": ScimRevoker,
        "sqlite": SqliteRevoker,
        "webhook": WebhookRevoker,
    }
    assert expected == REVOKERS


@pytest.mark.parametrize("kind", sorted(REVOKERS))
def test_each_type_declares_its_own_fields(kind):
    """REQUIRED and OPTIONAL are disjoint and never redeclare the common keys."""
    cls = REVOKERS[kind]
    assert set() == cls.REQUIRED & cls.OPTIONAL
    assert set() == (cls.REQUIRED | cls.OPTIONAL) & {"type", "timeout", "retry_attempts"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "sqlite"}, {"type": "sqlite", "timeout": 5.0, "retry_attempts": 2}),
        ({**HOOK, "timeout": "250ms", "retry_attempts": 3},
         {"type": "webhook", "timeout": 0.25, "retry_attempts": 3,
          "url": "https://hooks.example/x", "secret": SecretRef(env="S")}),
        (SCIM, {"type": "scim", "timeout": 5.0, "retry_attempts": 2,
                "base_url": "https://idp.example/scim/v2", "token": SecretRef(file="/t")}),
        ({**KEYCLOAK, "token_realm": "master"},
         {"type": "keycloak", "timeout": 5.0, "retry_attempts": 2,
          "base_url": "https://sso.example", "realm": "staff", "client_id": "logward",
          "client_secret": SecretRef(env="KC"), "token_realm": "master"}),
        (COMMAND, {"type": "command", "timeout": 5.0, "retry_attempts": 2,
                   "revoke_argv": ["lock", "{account}"], "reinstate_argv": ["unlock"]}),
    ],
)  # fmt: skip
def test_checked_spec_holds_parsed_values(spec, expected):
    """A valid entry comes back with durations parsed, secrets as references, defaults set."""
    assert expected == check_revoker_spec("responses.yaml", "r", spec)


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        ([], "revokers.r", "must be a mapping"),
        ({"type": ["sqlite"]}, "revokers.r.type",
         "must be one of ['command', 'keycloak', 'scim', 'sqlite', 'webhook']"),
        ({"type": "sqlite", "url": "https://x"}, "revokers.r.url", "unknown key"),
        ({"type": "scim"}, "revokers.r.base_url", "is required"),
        ({"type": "sqlite", "timeout": "soon"}, "revokers.r.timeout",
         "must be a positive finite duration like 30s, 15m, 1h, 7d"),
        ({"type": "sqlite", "retry_attempts": 6}, "revokers.r.retry_attempts",
         "must be an integer 1..5"),
        ({**HOOK, "secret": "whsec_literal"}, "revokers.r.secret",
         "literal secrets are not allowed: use {env: VAR} or {file: PATH}"),
        ({**SCIM, "token": {"env": "A", "file": "/b"}}, "revokers.r.token",
         "must be exactly one of {env: VAR} or {file: PATH}"),
        ({**HOOK, "url": "ftp://hooks.example"}, "revokers.r.url", "must be an http(s) URL"),
        ({**SCIM, "base_url": "https://u:p@idp.example"}, "revokers.r.base_url",
         "credentials in URLs are not allowed"),
        ({**KEYCLOAK, "realm": ""}, "revokers.r.realm", "must be a non-empty string"),
        ({**KEYCLOAK, "token_realm": 7}, "revokers.r.token_realm", "must be a non-empty string"),
        ({**COMMAND, "revoke_argv": []}, "revokers.r.revoke_argv",
         "must be a non-empty list of strings"),
        ({**COMMAND, "reinstate_argv": ["x", "{cmd}"]}, "revokers.r.reinstate_argv",
         "unknown placeholder {cmd}"),
    ],
)  # fmt: skip
def test_invalid_entry_is_a_rule_error_naming_file_and_field(spec, field, message):
    """Each check fails with a RuleError naming the file and revokers.<name>.<key>."""
    with pytest.raises(RuleError) as info:
        check_revoker_spec("responses.yaml", "r", spec)
    assert ("responses.yaml", None, field, message) == (
        info.value.file,
        info.value.rule,
        info.value.field,
        info.value.message,
    )


@pytest.mark.parametrize(
    ("spec", "cls"),
    [({"type": "sqlite"}, SqliteRevoker), (HOOK, WebhookRevoker), (SCIM, ScimRevoker),
     (KEYCLOAK, KeycloakRevoker), (COMMAND, CommandRevoker)],
)  # fmt: skip
def test_build_revoker_makes_the_registered_class(spec, cls, tmp_path, fake_clock):
    """build_revoker turns a checked entry into an instance of its type's class, named."""
    conn = open_store(tmp_path)
    try:
        revoker = build_revoker("r", check_revoker_spec("f", "r", spec), conn, fake_clock)
    finally:
        conn.close()
    assert (cls, "r") == (type(revoker), revoker.name)
    assert isinstance(revoker, Revoker)


def test_registered_type_checks_its_own_fields(with_list_type):
    """A registered type's own check runs at load time, with the file's error format."""
    with pytest.raises(RuleError) as info:
        check_revoker_spec("responses.yaml", "ops", {"type": "list", "team": ""})
    assert ("revokers.ops.team", "must be a non-empty string") == (
        info.value.field,
        info.value.message,
    )
    with pytest.raises(RuleError, match="unknown key"):
        check_revoker_spec("responses.yaml", "ops", {"type": "list", "team": "a", "x": 1})


def test_registered_type_is_used_by_the_responder(with_list_type, tmp_path, fake_clock):
    """One registry line makes a new type usable in responses.yaml: the Responder calls it."""
    config = parse_responses(
        {
            "revokers": {"ops-list": {"type": "list", "team": "ops"}},
            "responses": [
                {"name": "lock", "actions": [{"type": "revoke_account", "revoker": "ops-list"}]}
            ],
        },
        "responses.yaml",
    )
    conn = open_store(tmp_path)
    try:
        responder = Responder(config, conn, clock=fake_clock)
        result = responder.respond(ALERT)[0]
        revoker = responder.revokers["ops-list"]
        assert isinstance(revoker, ListRevoker)
        assert ("done", "ops-list", ["bob"]) == (result.outcome, result.revoker, revoker.revoked)
        responder.reinstate("bob", "cli:alice", "checked")
        assert [] == revoker.revoked
    finally:
        conn.close()
