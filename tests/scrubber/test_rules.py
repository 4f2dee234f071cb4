"""Strict loading of rules/pii/*.yaml and scrub.yaml, overrides, and the shipped set."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

import scrubber
from detectors import load_rules
from logward_base.errors import KeyMaterialError, RuleError
from logward_base.paths import rules_dir
from scrubber import MaskOperator, PseudonymOperator

GOOD = """\
name: ticket
description: Ticket references
type: pattern
entity: TICKET_ID
patterns:
  - regex: 'TCK-\\d{6}'
    score: 0.9
keys: [ticket]
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A rules dir holding one valid custom rule and no policy."""
    write(tmp_path / "rules" / "pii", "ticket.yaml", GOOD)
    return tmp_path / "rules"


def test_every_shipped_rule_file_loads():
    """All files under rules/pii and rules/scrub.yaml load and build a scrubber."""
    loaded = load_rules(rules_dir())
    names = {rule.name for rule in loaded.patterns}
    assert {"email", "credit_card", "iban", "ipv4", "ipv6", "us_ssn", "phone_us"} <= names
    assert len(list((rules_dir() / "pii").glob("*.yaml"))) >= 20
    assert scrubber.load_scrubber().detectors


def test_custom_rules_dir_is_used(rules):
    """A user rules dir with its own entity works without code."""
    engine = scrubber.load_scrubber(rules)
    assert "see <TICKET_ID>" == engine.scrub_text("see TCK-123456")
    assert {"ticket": "<TICKET_ID>"} == engine.scrub_mapping({"ticket": "x"})


def test_extra_rules_override_same_named_shipped_rules(tmp_path):
    """A later file with the same name replaces the shipped rule; enabled: false drops one."""
    extra = tmp_path / "extra"
    write(
        extra,
        "email.yaml",
        """\
        name: email
        type: pattern
        entity: EMAIL_ADDRESS
        enabled: false
        """,
    )
    write(extra, "ticket.yaml", GOOD)
    engine = scrubber.load_scrubber(extra_rules=[extra])
    assert "bob@example.com <TICKET_ID>" == engine.scrub_text("bob@example.com TCK-000001")


def test_extra_policy_merges_per_entity(tmp_path):
    """An extra scrub.yaml changes one entity's operator and keeps the rest."""
    extra = tmp_path / "extra"
    write(extra, "scrub.yaml", "operators:\n  CREDIT_CARD: {operator: mask, keep_last: 4}\n")
    engine = scrubber.load_scrubber(extra_rules=[extra])
    assert isinstance(engine.policy.operator_for("CREDIT_CARD"), MaskOperator)
    assert "card **** **** **** 1111 <EMAIL_ADDRESS>" == engine.scrub_text(
        "card 4111 1111 1111 1111 bob@example.com"
    )


def test_pseudonym_policy_needs_a_key(tmp_path):
    """A policy using pseudonyms fails at load without a key, and works with one."""
    extra = tmp_path / "extra"
    write(extra, "scrub.yaml", "default: {operator: pseudonym, length: 10}\n")
    with pytest.raises(KeyMaterialError):
        scrubber.load_scrubber(extra_rules=[extra], env={})
    key = base64.b64encode(b"k" * 32).decode()
    engine = scrubber.load_scrubber(extra_rules=[extra], env={"LOGWARD_PSEUDONYM_KEY": key})
    assert isinstance(engine.policy.default, PseudonymOperator)
    first = engine.scrub_text("bob@example.com")
    assert first == engine.scrub_text("bob@example.com")
    assert first.startswith("<EMAIL_ADDRESS:")


BAD_RULES = [
    ("colour: red\n", "colour", "unknown field"),
    ("patterns: []\n", "patterns", "non-empty list"),
    ("patterns:\n  - {regex: '(unclosed', score: 0.5}\n", "patterns[0].regex", "invalid regex"),
    ("patterns:\n  - {regex: 'a', score: 2}\n", "patterns[0].score", "from 0 to 1"),
    ("patterns:\n  - {regex: 'a', score: 0.5, flags: i}\n", "patterns[0].flags", "unknown"),
    ("patterns:\n  - {regex: '(a)\\1', score: 0.5}\n", "patterns[0].regex", "named groups"),
    (
        "patterns:\n  - {regex: 'a', score: 0.5}\nvalidators: [nope]\n",
        "validators[0]",
        "unknown validator",
    ),
    (
        "patterns:\n  - {regex: 'a', score: 0.5}\ncontext: {words: [x], boost: high}\n",
        "context.boost",
        "number",
    ),
    ("patterns:\n  - {regex: 'a', score: 0.5}\ncontext: {when: 1}\n", "context.when", "unknown"),
    ("patterns:\n  - {regex: 'a', score: 0.5}\nkeys: ticket\n", "keys", "list"),
    ("patterns:\n  - {regex: 'a', score: 0.5}\nscan_group: g\n", "first_chars", "required"),
    ("patterns:\n  - {regex: 'a', score: 0.5}\nenabled: 'yes'\n", "enabled", "true or false"),
    ("patterns:\n  - {regex: 'a', score: 0.5}\nstarts_with: a\n", "starts_with", "scan_group"),
    (
        "patterns:\n  - {regex: 'a', score: 0.5}\nscan_group: g\nfirst_chars: a\n"
        "starts_with: ['a', '(b']\n",
        "starts_with[1]",
        "invalid regex",
    ),
    ("patterns:\n  - {regex: 'a{4294967296}', score: 0.5}\n", "patterns[0].regex", "invalid regex"),
    (
        "patterns:\n  - {regex: 'a', score: 0.5}\nprefilter: '" + "(" * 2000 + ")" * 2000 + "'\n",
        "prefilter",
        "invalid regex",
    ),
    (
        "patterns:\n  - {regex: 'a', score: 0.5}\nscan_group: g\nfirst_chars: a\n"
        "starts_with: [1]\n",
        "starts_with",
        "list of non-empty strings",
    ),
]


@pytest.mark.parametrize(("extra", "field", "message"), BAD_RULES)
def test_invalid_rule_names_file_rule_and_field(tmp_path, extra, field, message):
    """Each kind of mistake raises RuleError naming file, rule and field."""
    text = "name: broken\ntype: pattern\nentity: BROKEN\n" + extra
    if "patterns" not in extra:
        text += "patterns:\n  - {regex: 'a', score: 0.5}\n"
    path = write(tmp_path / "r" / "pii", "broken.yaml", text)
    with pytest.raises(RuleError) as info:
        scrubber.load_scrubber(tmp_path / "r")
    err = info.value
    assert (str(path), "broken", field) == (err.file, err.rule, err.field)
    assert message in err.message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("type: pattern\nentity: X\n", "name"),
        ("name: n\ntype: regex\nentity: X\n", "type"),
        ("name: n\ntype: keys\nentity: lower\nkeys: [a]\n", "entity"),
        ("name: n\ntype: keys\nentity: X\n", "keys"),
        ("name: n\ntype: keys\nentity: X\nkeys: [a]\npatterns: []\n", "patterns"),
    ],
)
def test_invalid_rule_headers(tmp_path, text, field):
    """Missing names, unknown types, bad entity names and misplaced fields are named."""
    write(tmp_path / "r" / "pii", "x.yaml", text)
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path / "r")
    assert field == info.value.field


def test_invalid_yaml_and_non_mapping(tmp_path):
    """Broken YAML and non-mapping documents name the file."""
    write(tmp_path / "a" / "pii", "bad.yaml", "name: [unclosed\n")
    with pytest.raises(RuleError, match="invalid YAML"):
        load_rules(tmp_path / "a")
    write(tmp_path / "b" / "pii", "list.yaml", "- 1\n- 2\n")
    with pytest.raises(RuleError, match="must be a YAML mapping"):
        load_rules(tmp_path / "b")


def test_deeply_nested_yaml_is_a_rule_error(tmp_path):
    """A rule file nested too deeply for the YAML parser is a RuleError naming the file."""
    path = write(tmp_path / "a" / "pii", "deep.yaml", "name: " + "[" * 50_000 + "]" * 50_000)
    with pytest.raises(RuleError, match="nested too deeply") as info:
        load_rules(tmp_path / "a")
    assert str(path) == info.value.file


def test_missing_directories_are_errors(tmp_path):
    """A rules dir or extra path that does not exist is a RuleError, not a silent no-op."""
    with pytest.raises(RuleError, match="not found"):
        load_rules(tmp_path / "nope")
    (tmp_path / "ok" / "pii").mkdir(parents=True)
    with pytest.raises(RuleError, match="not found"):
        load_rules(tmp_path / "ok", [tmp_path / "missing"])


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ("colour: red\n", "colour"),
        ("threshold: 2\n", "threshold"),
        ("max_depth: 0\n", "max_depth"),
        ("default: {operator: shred}\n", "default.operator"),
        ("default: {operator: mask, keep: 4}\n", "default.keep"),
        ("operators: {CREDIT_CARD: {operator: mask, keep_last: 12}}\n", "operators.CREDIT_CARD"),
        ("operators: {card: {operator: replace}}\n", "operators.card"),
        ("pseudonym: {key: abc}\n", "pseudonym.key"),
        ("key_value: {enabled: 1}\n", "key_value.enabled"),
    ],
)
def test_invalid_policy_names_field(tmp_path, rules, policy, field):
    """Bad policy fields raise RuleError naming scrub.yaml and the field."""
    (rules / "scrub.yaml").write_text(policy)
    with pytest.raises(RuleError) as info:
        scrubber.load_scrubber(rules)
    assert field == info.value.field
    assert info.value.file.endswith("scrub.yaml")


def test_starts_with_accepts_a_string_or_a_list(tmp_path):
    """``starts_with`` may be one regex or a list; a scan group then finds the same."""
    body = (
        "type: pattern\nentity: NUM\nscan_group: g\nfirst_chars: '\\d'\nword_start: true\n"
        "patterns:\n  - {regex: '\\d{4}-\\d{4}', score: 0.9}\n"
    )
    write(tmp_path / "r" / "pii", "a.yaml", "name: a\n" + body + "starts_with: '\\d{4}-'\n")
    write(
        tmp_path / "r" / "pii",
        "b.yaml",
        "name: b\n" + body.replace("NUM", "NUM2") + "starts_with: ['\\d{4}', '\\d{4}-\\d']\n",
    )
    rules = {r.name: r for r in load_rules(tmp_path / "r").patterns}
    assert ("\\d{4}-",) == rules["a"].starts_with
    assert ("\\d{4}", "\\d{4}-\\d") == rules["b"].starts_with
    engine = scrubber.load_scrubber(tmp_path / "r")
    assert "id <NUM> and 1234 5678" == engine.scrub_text("id 1234-5678 and 1234 5678")
