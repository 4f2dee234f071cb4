"""The security team's web dashboard over the monitor's store (``logward dashboard``).

Needs the ``dashboard`` extra (FastAPI, uvicorn, Jinja2, argon2-cffi,
itsdangerous, pandas); ``import logward`` never imports this package.
"""

from logward.dashboard._app import create_app
from logward.dashboard._auth import SessionCodec, hash_password, verify_password
from logward.dashboard._authstore import SqliteAuthStore
from logward.dashboard._config import (
    DashboardConfig,
    LoginLimits,
    Role,
    User,
    load_config,
    load_secret,
)
from logward.dashboard._overview import (
    account_view,
    alert_detail,
    alerts_over_time,
    allowlist_suggestions,
    incidents,
    overview,
    rate_chart,
)
from logward.dashboard._queries import alert_list, distinct_values, event_list, like_escape
from logward.dashboard._throttle import Throttle
from logward.dashboard._totp import (
    TotpBox,
    create_key_file,
    make_recovery_codes,
    match_recovery_code,
    new_secret,
    provisioning_uri,
    qr_png,
    qr_text,
    totp_step,
    verify_code,
)

__all__ = [
    "DashboardConfig",
    "LoginLimits",
    "Role",
    "SessionCodec",
    "SqliteAuthStore",
    "Throttle",
    "TotpBox",
    "User",
    "account_view",
    "alert_detail",
    "alert_list",
    "alerts_over_time",
    "allowlist_suggestions",
    "create_app",
    "create_key_file",
    "distinct_values",
    "event_list",
    "hash_password",
    "incidents",
    "like_escape",
    "load_config",
    "load_secret",
    "make_recovery_codes",
    "match_recovery_code",
    "new_secret",
    "overview",
    "provisioning_uri",
    "qr_png",
    "qr_text",
    "rate_chart",
    "totp_step",
    "verify_code",
    "verify_password",
]
