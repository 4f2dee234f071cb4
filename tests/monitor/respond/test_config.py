"""Loading responses.yaml: strict keys and values, errors naming the file, response and field."""

from __future__ import annotations

import pytest

from logward_base.errors import RuleError
from logward_base.paths import rules_dir
from monitor import load_responses, parse_responses
from tests.monitor.respond._data import BASE


class TestConfig:
    def test_shipped_responses_file_is_valid(self):
        """The shipped rules/responses.yaml loads and uses only the embedded revoker."""
        config = load_responses(rules_dir() / "responses.yaml")
        assert ["embedded"] == list(config.revokers)
        assert len(config.version) == 12

    @pytest.mark.parametrize(
        ("patch", "field"),
        [
            ({"surprise": 1}, "surprise"),
            ({"settings": {"cap": {"max": -1}}}, "settings.cap.max"),
            ({"settings": {"cap": {"window": "soon"}}}, "settings.cap.window"),
            ({"allow": {"cidrs": ["10.0.0.300/8"]}}, "allow.cidrs"),
            ({"revokers": {"w": {"type": "webhook", "url": "http://x", "secret": "whsec_a"}}},
             "revokers.w.secret"),
            ({"revokers": {"w": {"type": "webhook", "url": "ftp://x", "secret": {"env": "S"}}}},
             "revokers.w.url"),
            ({"revokers": {"c": {"type": "command", "revoke_argv": ["x", "{cmd}"],
                                 "reinstate_argv": ["y"]}}}, "revokers.c.revoke_argv"),
            ({"revokers": {"k": {"type": "nope"}}}, "revokers.k.type"),
            ({"revokers": {"s": {"type": "sqlite", "colour": "red"}}}, "revokers.s.colour"),
        ],
    )  # fmt: skip
    def test_invalid_top_level_names_the_field(self, patch, field):
        """Unknown keys, literal secrets and bad values raise RuleError naming the field."""
        with pytest.raises(RuleError) as info:
            parse_responses({**BASE, **patch}, "responses.yaml")
        assert field == info.value.field
        assert "responses.yaml" == info.value.file

    @pytest.mark.parametrize(
        ("action", "field"),
        [
            ({"type": "revoke_account", "revoker": "missing"}, "actions[0].revoker"),
            ({"type": "revoke_account", "revoker": "embedded", "mode": "temporary"},
             "actions[0].duration"),
            ({"type": "deny_ip", "revoker": "embedded"}, "actions[0].revoker"),
            ({"type": "explode"}, "actions[0].type"),
            ({"type": "revoke_account", "revoker": "embedded", "escalate": {"after": 0}},
             "actions[0].escalate.after"),
        ],
    )  # fmt: skip
    def test_invalid_action_names_rule_and_field(self, action, field):
        """An invalid action names the response and the action's field."""
        data = {**BASE, "responses": [{"name": "r1", "actions": [action]}]}
        with pytest.raises(RuleError) as info:
            parse_responses(data, "responses.yaml")
        assert ("r1", field) == (info.value.rule, info.value.field)

    def test_bad_yaml_names_file_and_line(self, tmp_path):
        """A YAML syntax error is a RuleError with the file and line, not a traceback."""
        path = tmp_path / "responses.yaml"
        path.write_text("version: 1\nresponses: [\n  - {name: x\n")
        with pytest.raises(RuleError, match=r"responses.yaml: not valid YAML at line"):
            load_responses(path)
