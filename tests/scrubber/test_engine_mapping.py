"""``scrub_mapping`` / ``scrub_value``: key names, nesting, depth, odd values."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter

import pytest

import scrubber
from detectors import KeyNameMatcher
from scrubber import DEPTH_PLACEHOLDER, DropOperator, Scrubber, ScrubPolicy


@pytest.fixture(scope="module")
def engine() -> Scrubber:
    """The shipped-rules scrubber."""
    return scrubber.load_scrubber()


def test_values_under_pii_keys_are_redacted_whatever_they_hold(engine):
    """Strings and numbers under PII key names go, even when they look harmless."""
    data = {
        "password": "hunter2",
        "auth_token": "abc",
        "userEmail": "not-an-email",
        "user.phone": 447700900123,
        "first_name": "Jo",
        "X-Api-Key": "k",
        "author": "Jo",
        "message": "ok",
    }
    out = engine.scrub_mapping(data)
    assert {
        "password": "<PASSWORD>",
        "auth_token": "<SECRET>",
        "userEmail": "<EMAIL_ADDRESS>",
        "user.phone": "<PHONE_NUMBER>",
        "first_name": "<PERSON>",
        "X-Api-Key": "<SECRET>",
        "author": "Jo",
        "message": "ok",
    } == out


def test_nested_values_under_pii_key_are_all_redacted(engine):
    """Everything below a PII key is redacted, keeping the structure."""
    data = {"address": {"street": "1 High St", "lines": ["Flat 2", "Leeds"], "floor": 3}}
    assert {
        "address": {
            "street": "<STREET_ADDRESS>",
            "lines": ["<STREET_ADDRESS>", "<STREET_ADDRESS>"],
            "floor": "<STREET_ADDRESS>",
        }
    } == engine.scrub_mapping(data)


def test_booleans_and_none_under_pii_keys_are_kept(engine):
    """Flags and nulls carry no PII and stay as they are."""
    assert {"password": None, "email": True} == engine.scrub_mapping(
        {"password": None, "email": True}
    )


def test_free_text_values_are_scrubbed_recursively(engine):
    """Strings anywhere (lists, tuples, nested dicts) are scrubbed as text."""
    data = {"msg": "mail bob@example.com", "items": [("ip 10.1.2.3",), {"note": "ok"}]}
    out = engine.scrub_mapping(data)
    assert {"msg": "mail <EMAIL_ADDRESS>", "items": [("ip <IP_ADDRESS>",), {"note": "ok"}]} == out


def test_keys_containing_pii_are_scrubbed_and_kept_distinct(engine):
    """A key holding PII is scrubbed; colliding scrubbed keys stay distinct."""
    out = engine.scrub_mapping({"bob@example.com": 1, "amy@example.com": 2, "n": 3})
    assert {"<EMAIL_ADDRESS>": 1, "<EMAIL_ADDRESS>#2": 2, "n": 3} == out


def test_large_integers_holding_pii_are_redacted(engine):
    """A card number stored as an int is redacted; ordinary numbers keep their type."""
    out = engine.scrub_mapping({"ref": 4111111111111111, "count": 12, "bytes": 1048576})
    assert {"ref": "<CREDIT_CARD>", "count": 12, "bytes": 1048576} == out


def test_safe_scalar_types_are_kept_and_objects_stringified(engine):
    """Dates, UUIDs and floats are kept; other objects are scrubbed as their str()."""

    class User:
        def __str__(self):
            return "User(bob@example.com)"

    when = datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)
    ident = uuid.UUID(int=5)
    out = engine.scrub_mapping({"at": when, "id": ident, "ratio": 0.5, "user": User()})
    assert {"at": when, "id": ident, "ratio": 0.5, "user": "User(<EMAIL_ADDRESS>)"} == out


def test_bytes_values_are_decoded_and_scrubbed(engine):
    """bytes values become scrubbed text; invalid UTF-8 does not crash."""
    out = engine.scrub_mapping({"raw": b"to bob@example.com \xff\xfe"})
    assert "bob@example.com" not in out["raw"]


def test_deep_nesting_is_cut_at_the_depth_limit():
    """Content deeper than max_depth is replaced, never kept."""
    engine = scrubber.load_scrubber()
    deep: dict[str, object] = {"v": "bob@example.com"}
    for _ in range(100):
        deep = {"d": deep}
    counts: Counter[str] = Counter()
    out = engine.scrub_mapping(deep, counts)
    depth = 0
    node = out
    while isinstance(node, dict):
        node = node["d"] if "d" in node else node["v"]
        depth += 1
    assert DEPTH_PLACEHOLDER == node
    assert depth <= engine.policy.max_depth + 1
    assert 1 == counts["DEPTH_LIMIT"]


def test_self_referencing_structures_terminate(engine):
    """A cyclic list/dict is cut by the depth limit instead of recursing forever."""
    data: dict[str, list[object]] = {"a": []}
    data["a"].append(data)
    out = engine.scrub_mapping(data)
    assert "a" in out


def test_non_mapping_input_is_wrapped(engine):
    """A list passed to scrub_mapping is scrubbed and returned under "value"."""
    assert {"value": ["<EMAIL_ADDRESS>"]} == engine.scrub_mapping(["bob@example.com"])


def test_scrub_value_uses_the_given_key(engine):
    """scrub_value applies key-name rules for the key it is given."""
    assert "<PASSWORD>" == engine.scrub_value("x", key="db_password")
    assert "x" == engine.scrub_value("x", key="colour")
    assert ["<EMAIL_ADDRESS>"] == engine.scrub_value(["a@b.example"])


def test_drop_operator_removes_fields():
    """With a drop operator the field disappears from mappings and lists."""
    policy = ScrubPolicy(operators={"PASSWORD": DropOperator()})
    engine = Scrubber([], policy=policy, key_matcher=KeyNameMatcher({"password": "PASSWORD"}))
    counts: Counter[str] = Counter()
    out = engine.scrub_mapping({"user": "x", "password": "p", "nested": {"password": 1}}, counts)
    assert {"user": "x", "nested": {}} == out
    assert {"PASSWORD": 2} == dict(counts)


def test_mapping_counts_are_reported(engine):
    """Per-call counts include key-name redactions and text findings."""
    counts: Counter[str] = Counter()
    engine.scrub_mapping({"password": "p", "msg": "ip 10.0.0.9"}, counts)
    assert {"PASSWORD": 1, "IP_ADDRESS": 1} == dict(counts)


def test_large_integer_keys_holding_pii_are_redacted(engine):
    """A card number used as an int key is redacted; ordinary int keys keep their type."""
    out = engine.scrub_mapping({4111111111111111: "x", 1048576: "y", 7: "z"})
    assert {"<CREDIT_CARD>": "x", 1048576: "y", 7: "z"} == out
