"""``logward dashboard`` helpers make config entries; serving with no users is refused."""

from __future__ import annotations

import io
import sys

from logward.cli import main
from logward.dashboard import load_config, verify_password


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_hash_password_prints_a_verifiable_argon2_hash(monkeypatch, capsys):
    """hash-password reads stdin and prints an argon2id PHC string."""
    _stdin(monkeypatch, "correct horse battery\n")
    assert 0 == main(["dashboard", "hash-password"])
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("$argon2id$")
    from logward.dashboard import Role, User

    assert verify_password(User("x", Role.VIEWER, printed), "correct horse battery")


def test_adduser_writes_a_valid_config(monkeypatch, tmp_path):
    """adduser adds a user to the config file, which then loads and verifies."""
    path = tmp_path / "dash.yaml"
    path.write_text("page_size: 20\n")
    _stdin(monkeypatch, "a-long-enough-password\n")
    assert 0 == main(
        ["dashboard", "adduser", "carol", "--role", "responder", "--config", str(path)]
    )
    config = load_config(path)
    assert 20 == config.page_size
    assert verify_password(config.users["carol"], "a-long-enough-password")
    _stdin(monkeypatch, "a-long-enough-password\n")
    assert 2 == main(["dashboard", "adduser", "carol", "--config", str(path)])


def test_short_password_is_refused(monkeypatch, capsys):
    """Passwords under 12 characters are rejected with exit status 2."""
    _stdin(monkeypatch, "short\n")
    assert 2 == main(["dashboard", "hash-password"])
    assert "12 characters" in capsys.readouterr().err


def test_serving_without_users_is_a_config_error(tmp_path, capsys):
    """With no users configured the dashboard refuses to start (no anonymous access)."""
    assert 2 == main(["dashboard", "--data-dir", str(tmp_path)])
    assert "no dashboard users" in capsys.readouterr().err


def test_adduser_totp_enrols_and_reset_2fa_replaces_it(monkeypatch, tmp_path, capsys):
    """--totp prints a URI, QR and ten recovery codes; the secret is sealed; reset-2fa renews."""
    import re
    import stat

    import pyotp

    from logward.dashboard import TotpBox
    from monitor import open_store

    path = tmp_path / "dash.yaml"
    path.write_text("users: {}\n")
    data = tmp_path / "data"
    _stdin(monkeypatch, "a-long-enough-password\n")
    argv = ["dashboard", "adduser", "dora", "--role", "admin", "--totp", "--config", str(path)]
    assert 0 == main([*argv, "--data-dir", str(data)])
    out = capsys.readouterr().out
    found = re.search(r"otpauth://\S+", out)
    assert found is not None
    uri = found.group(0)
    secret = pyotp.parse_uri(uri).secret
    assert 10 == len(re.findall(r"^  [a-z2-9]{5}-[a-z2-9]{5}$", out, re.M))
    assert "█" in out
    config = load_config(path)
    user = config.users["dora"]
    key_file = str(config.totp_key_file)
    assert secret not in path.read_text()
    assert 0o600 == stat.S_IMODE((tmp_path / "dashboard-totp.key").stat().st_mode)
    assert secret == TotpBox(key_file).open(str(user.totp_secret), "dora")
    assert 10 == len(user.recovery_hashes)
    png = tmp_path / "qr.png"
    args = ["dashboard", "reset-2fa", "dora", "--config", str(path), "--data-dir", str(data)]
    assert 0 == main([*args, "--qr-png", str(png)])
    assert png.read_bytes().startswith(b"\x89PNG")
    renewed = load_config(path).users["dora"]
    assert secret != TotpBox(key_file).open(str(renewed.totp_secret), "dora")
    conn = open_store(data)
    actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY seq")]
    conn.close()
    assert ["dashboard_totp_enrolled", "dashboard_totp_reset"] == actions
