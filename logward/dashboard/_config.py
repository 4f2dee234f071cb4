"""The dashboard's configuration file: users, roles, session and login limits.

Loaded strictly: unknown keys are errors, and every message names the file and
the field (never a value: password hashes and secrets stay out of messages).

Example (see ``examples/dashboard.yaml``)::

    session_max_age: 8h
    login_limits: {per_ip: 10, per_user: 5, window: 15m}
    users:
      alice: {role: admin, password_hash: "$argon2id$v=19$..."}
"""

from __future__ import annotations

import enum
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from logward_base import parse_duration
from logward_base.errors import ConfigError

__all__ = [
    "DashboardConfig",
    "LoginLimits",
    "Role",
    "User",
    "load_config",
    "load_secret",
]

_USER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class Role(enum.IntEnum):
    """Dashboard roles, ordered: each role may do everything the lower ones may."""

    VIEWER = 1
    RESPONDER = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        """Return the role named ``text`` (case-insensitive).

        Raises:
            ValueError: ``text`` names no role.
        """
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError("unknown role; expected viewer, responder or admin") from None


@dataclass(frozen=True, slots=True)
class User:
    """One dashboard user: a name, a role and an argon2 (or bcrypt-free) PHC hash."""

    name: str
    role: Role
    password_hash: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)  # sealed: see _totp
    recovery_hashes: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed-login budget per source address and per user name within ``window`` seconds."""

    per_ip: int = 10
    per_user: int = 5
    window: float = 900.0


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    """Everything the dashboard app needs besides the data directory.

    Attributes:
        users: user name -> user.
        secret_key: signs session cookies; ``None`` means "load or create
            ``dashboard-secret`` in the data directory".
        session_max_age: seconds a session cookie stays valid.
        secure_cookies: ``True``/``False`` to force the ``Secure`` flag, ``None``
            to set it exactly when the request came over TLS.
        login_limits: failed-login rate limits.
        incident_deadline: seconds from discovering an incident to the notification deadline.
        page_size: rows per page in lists.
        auth_log: file name (under the data directory) of the login event log.
        require_2fa: every user must pass a TOTP code after the password (default).
        totp_key_file: the owner-only AES-256 key file sealing TOTP secrets;
            default ``dashboard-totp.key`` beside the config file.
    """

    users: Mapping[str, User] = field(default_factory=dict)
    secret_key: str | None = field(default=None, repr=False)
    session_max_age: float = 8 * 3600.0
    secure_cookies: bool | None = None
    login_limits: LoginLimits = LoginLimits()
    incident_deadline: float = 24 * 3600.0
    page_size: int = 50
    auth_log: str = "dashboard-auth.log"
    require_2fa: bool = True
    totp_key_file: str | None = None


def _fail(path: str, where: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: field {where!r}: {message}")


def _check_keys(path: str, where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(
            path, where or unknown[0], f"unknown key(s) {unknown}; allowed: {sorted(allowed)}"
        )


def _positive_int(path: str, where: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(path, where, "expected a positive integer")
    return value


def _parse_user(path: str, name: object, raw: object) -> User:
    where = f"users.{name}"
    if not isinstance(name, str) or not _USER_NAME.match(name):
        raise _fail(path, "users", "user names are 1-64 characters of A-Z a-z 0-9 _ . @ -")
    if not isinstance(raw, Mapping):
        raise _fail(path, where, "expected a mapping with role and password_hash")
    _check_keys(path, where, raw, {"role", "password_hash", "totp_secret", "recovery_codes"})
    for needed in ("role", "password_hash"):
        if needed not in raw:
            raise _fail(path, f"{where}.{needed}", "missing")
    try:
        role = Role.parse(str(raw["role"]))
    except ValueError as exc:
        raise _fail(path, f"{where}.role", str(exc)) from None
    pw_hash = raw["password_hash"]
    if not isinstance(pw_hash, str) or not pw_hash.startswith("$argon2"):
        raise _fail(
            path,
            f"{where}.password_hash",
            "expected an argon2 PHC string; make one with `logward dashboard hash-password`",
        )
    totp = raw.get("totp_secret")
    if totp is not None and (not isinstance(totp, str) or not totp.startswith("v1:")):
        raise _fail(
            path,
            f"{where}.totp_secret",
            "expected a sealed secret (v1:...); make one with `logward dashboard adduser --totp`",
        )
    codes = raw.get("recovery_codes", [])
    if not isinstance(codes, list) or not all(
        isinstance(c, str) and c.startswith("$argon2") for c in codes
    ):
        raise _fail(path, f"{where}.recovery_codes", "expected a list of argon2 PHC strings")
    return User(
        name=name,
        role=role,
        password_hash=pw_hash,
        totp_secret=totp,
        recovery_hashes=tuple(codes),
    )


def _parse_limits(path: str, raw: object) -> LoginLimits:
    if not isinstance(raw, Mapping):
        raise _fail(path, "login_limits", "expected a mapping")
    _check_keys(path, "login_limits", raw, {"per_ip", "per_user", "window"})
    default = LoginLimits()
    try:
        window = parse_duration(raw.get("window", default.window))
    except ValueError as exc:
        raise _fail(path, "login_limits.window", str(exc)) from None
    return LoginLimits(
        per_ip=_positive_int(path, "login_limits.per_ip", raw.get("per_ip", default.per_ip)),
        per_user=_positive_int(
            path, "login_limits.per_user", raw.get("per_user", default.per_user)
        ),
        window=window,
    )


_TOP_KEYS = {
    "users",
    "secret_key",
    "session_max_age",
    "secure_cookies",
    "login_limits",
    "incident_deadline",
    "page_size",
    "require_2fa",
    "totp_key_file",
}


def config_from_mapping(data: Mapping[str, Any], path: str = "<config>") -> DashboardConfig:
    """Validate an already-parsed config mapping.

    Raises:
        ConfigError: a key is unknown or a value is invalid (names file and field).
    """
    _check_keys(path, "", data, _TOP_KEYS)
    raw_users = data.get("users") or {}
    if not isinstance(raw_users, Mapping):
        raise _fail(path, "users", "expected a mapping of user name to {role, password_hash}")
    users = {str(name): _parse_user(path, name, raw) for name, raw in raw_users.items()}
    secret = data.get("secret_key")
    if secret is not None and (not isinstance(secret, str) or len(secret) < 32):
        raise _fail(path, "secret_key", "expected a string of at least 32 characters")
    secure = data.get("secure_cookies")
    if secure is not None and not isinstance(secure, bool):
        raise _fail(path, "secure_cookies", "expected true, false or omitted (automatic)")
    try:
        max_age = parse_duration(data.get("session_max_age", 8 * 3600))
    except ValueError as exc:
        raise _fail(path, "session_max_age", str(exc)) from None
    try:
        deadline = parse_duration(data.get("incident_deadline", 24 * 3600))
    except ValueError as exc:
        raise _fail(path, "incident_deadline", str(exc)) from None
    page_size = _positive_int(path, "page_size", data.get("page_size", 50))
    if page_size > 500:
        raise _fail(path, "page_size", "at most 500")
    limits = _parse_limits(path, data["login_limits"]) if "login_limits" in data else LoginLimits()
    require_2fa = data.get("require_2fa", True)
    if not isinstance(require_2fa, bool):
        raise _fail(path, "require_2fa", "expected true (default) or false")
    key_file = data.get("totp_key_file")
    if key_file is not None and (not isinstance(key_file, str) or not key_file):
        raise _fail(path, "totp_key_file", "expected a file path")
    if key_file is None and path != "<config>":
        key_file = str(Path(path).with_name("dashboard-totp.key"))
    elif key_file is not None and path != "<config>" and not Path(key_file).is_absolute():
        key_file = str(Path(path).parent / key_file)
    return DashboardConfig(
        users=users,
        secret_key=secret,
        session_max_age=max_age,
        secure_cookies=secure,
        login_limits=limits,
        incident_deadline=deadline,
        page_size=page_size,
        require_2fa=require_2fa,
        totp_key_file=key_file,
    )


def load_config(path: str | os.PathLike[str] | None) -> DashboardConfig:
    """Load and validate the dashboard config file; ``None`` gives a config with no users.

    Raises:
        ConfigError: the file is missing, not YAML, or invalid.
    """
    if path is None:
        return DashboardConfig()
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the dashboard config: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{name}: not valid YAML{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{name}: expected a mapping at the top level")
    return config_from_mapping(data, name)


def load_secret(config: DashboardConfig, data_dir: Path) -> str:
    """Return the cookie-signing secret: from the config, else ``dashboard-secret`` (0600).

    The file is created with a fresh random key on first use, so sessions
    survive restarts without the secret ever being written into the config.
    """
    if config.secret_key:
        return config.secret_key
    path = data_dir / "dashboard-secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise ConfigError(f"{path}: the dashboard secret is too short; delete it to regenerate")
    return value
