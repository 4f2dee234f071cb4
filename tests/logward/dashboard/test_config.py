"""The dashboard config file is validated strictly, naming file and field, never values."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from logward.dashboard import DashboardConfig, Role, load_config, load_secret, verify_password
from logward_base.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dashboard.yaml"
HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$0BxY2nc4QIZrPcPplVvS3A"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dash.yaml"
    path.write_text(text)
    return path


def test_example_config_loads_and_demo_credentials_work():
    """examples/dashboard.yaml is valid and its documented demo passwords verify."""
    config = load_config(EXAMPLE)
    assert {"alice": Role.ADMIN, "rob": Role.RESPONDER, "vera": Role.VIEWER} == {
        name: user.role for name, user in config.users.items()
    }
    assert verify_password(config.users["rob"], "demo-rob-password")
    assert not verify_password(config.users["rob"], "demo-alice-password")
    assert 24 * 3600 == config.incident_deadline


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("colour: blue\n", "colour"),
        (f"users: {{bob: {{role: boss, password_hash: '{HASH}'}}}}\n", "users.bob.role"),
        ("users: {bob: {role: viewer, password_hash: hunter2}}\n", "users.bob.password_hash"),
        ("users: {bob: {role: viewer}}\n", "users.bob.password_hash"),
        (f"users: {{bob: {{role: viewer, password_hash: '{HASH}', x: 1}}}}\n", "users.bob"),
        ("session_max_age: forever\n", "session_max_age"),
        ("login_limits: {per_ip: 0}\n", "login_limits.per_ip"),
        ("login_limits: {per_user: 3, burst: 2}\n", "login_limits"),
        ("secret_key: short\n", "secret_key"),
        ("page_size: 100000\n", "page_size"),
    ],
)
def test_invalid_config_names_file_and_field(tmp_path, text, field):
    """Each invalid key or value is reported with the file and the dotted field."""
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert repr(field) in message
    assert "hunter2" not in message


def test_not_yaml_and_missing_file(tmp_path):
    """Unreadable or malformed files are config errors naming the file."""
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(_write(tmp_path, "users: [\n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_secret_is_created_once_with_private_mode(tmp_path):
    """Without secret_key a random secret is stored as dashboard-secret, mode 0600, and reused."""
    first = load_secret(DashboardConfig(), tmp_path)
    second = load_secret(DashboardConfig(), tmp_path)
    assert first == second
    assert len(first) >= 32
    assert 0o600 == stat.S_IMODE((tmp_path / "dashboard-secret").stat().st_mode)
