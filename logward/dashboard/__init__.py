"""The security team's web dashboard over the monitor's store (``logward dashboard``).

Needs the ``dashboard`` extra (FastAPI, uvicorn, Jinja2, argon2-cffi,
itsdangerous, pandas); ``import logward`` never imports this package.
"""

from logward.dashboard._app import create_app
from logward.dashboard._auth import hash_password, verify_password
from logward.dashboard._config import (
    DashboardConfig,
    LoginLimits,
    Role,
    User,
    load_config,
)

__all__ = [
    "DashboardConfig",
    "LoginLimits",
    "Role",
    "User",
    "create_app",
    "hash_password",
    "load_config",
    "verify_password",
]
