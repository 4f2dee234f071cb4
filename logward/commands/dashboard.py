"""``logward dashboard``: serve the security team's dashboard; make config entries.

Usage::

    logward dashboard [--data-dir DIR] [--config FILE] [--host 127.0.0.1] [--port 8080]
    logward dashboard hash-password            # reads the password from stdin/tty
    logward dashboard adduser NAME --role responder --totp [--config FILE] [--qr-png FILE]
    logward dashboard reset-2fa NAME --config FILE [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from logward_base.errors import ConfigError

__all__ = ["register"]

ROLES = ("viewer", "responder", "admin")


def _read_password(confirm: bool) -> str:
    import getpass

    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Again: ") != password:
            raise ConfigError("the two passwords differ")
    if len(password) < 12:
        raise ConfigError("use a password of at least 12 characters")
    return password


def _hash_password(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    from logward.dashboard import hash_password

    print(hash_password(_read_password(confirm=True)))
    return 0


def _enrol(name: str, key_file: Path, qr_png: str | None) -> dict[str, Any]:
    """Make a TOTP secret and recovery codes for ``name``; show them once; return config fields."""
    # start-up time: loaded only when this command runs
    from logward.dashboard import (
        TotpBox,
        create_key_file,
        make_recovery_codes,
        new_secret,
        provisioning_uri,
        qr_text,
    )
    from logward.dashboard import qr_png as qr_png_bytes

    create_key_file(key_file)
    secret = new_secret()
    uri = provisioning_uri(secret, name)
    codes, hashes = make_recovery_codes()
    print(f"TOTP URI (add it to an authenticator app): {uri}")
    if qr_png:
        fd = os.open(qr_png, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(qr_png_bytes(uri))
        print(f"QR code written to {qr_png}")
    else:
        print(qr_text(uri), end="")
    print("Recovery codes (each works once; store them offline, they are not shown again):")
    for code in codes:
        print(f"  {code}")
    return {
        "totp_secret": TotpBox(key_file).seal(secret, name),
        "recovery_codes": hashes,
    }


def _key_file_for(config: str | None) -> Path:
    # start-up time: loaded only when this command runs
    from logward.dashboard import load_config

    if config is None:
        return Path("dashboard-totp.key")
    return Path(load_config(config).totp_key_file or Path(config).with_name("dashboard-totp.key"))


def _write_users(config: str, data: dict[str, Any]) -> None:
    # start-up time: loaded only when this command runs
    import yaml

    # start-up time: loaded only when this command runs
    from logward.dashboard import load_config

    path = Path(config)
    with path.open("w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    load_config(config)


def _audit(data_dir: str | None, actor: str, action: str, subject: str) -> None:
    # start-up time: loaded only when this command runs
    from monitor import AuditLog, open_store

    conn = open_store(data_dir)
    try:
        AuditLog(conn).append(actor, action, subject, {})
    finally:
        conn.close()


def _adduser(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    import getpass

    import yaml

    # start-up time: loaded only when this command runs
    from logward.dashboard import hash_password, load_config

    fields: dict[str, Any] = {
        "role": args.role,
        "password_hash": hash_password(_read_password(True)),
    }
    if args.config is not None:
        load_config(args.config)  # refuse to touch an invalid file
    if args.totp:
        fields.update(_enrol(args.name, _key_file_for(args.config), args.qr_png))
    entry: dict[str, Any] = {args.name: fields}
    if args.config is None:
        print(yaml.safe_dump({"users": entry}, sort_keys=False), end="")
        return 0
    path = Path(args.config)
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    users = data.setdefault("users", {}) or {}
    if args.name in users and not args.replace:
        raise ConfigError(f"{args.config}: field 'users.{args.name}': exists; use --replace")
    users.update(entry)
    data["users"] = users
    _write_users(args.config, data)
    if args.totp and args.data_dir is not None:
        _audit(args.data_dir, f"cli:{getpass.getuser()}", "dashboard_totp_enrolled", args.name)
    print(f"{args.config}: user {args.name} ({args.role}) written", file=sys.stderr)
    return 0


def _reset_2fa(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    import getpass

    import yaml

    # start-up time: loaded only when this command runs
    from logward.dashboard import load_config

    load_config(args.config)
    path = Path(args.config)
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    users = data.get("users") or {}
    if args.name not in users:
        raise ConfigError(f"{args.config}: field 'users.{args.name}': no such user")
    users[args.name].update(_enrol(args.name, _key_file_for(args.config), args.qr_png))
    _write_users(args.config, data)
    _audit(args.data_dir, f"cli:{getpass.getuser()}", "dashboard_totp_reset", args.name)
    print(f"{args.config}: new TOTP secret and recovery codes for {args.name}", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    # start-up time: loaded only when this command runs
    import uvicorn

    # start-up time: loaded only when this command runs
    from logward.dashboard import create_app, load_config

    config = load_config(args.config)
    if not config.users:
        raise ConfigError(
            "no dashboard users configured; pass --config FILE (see examples/dashboard.yaml)"
        )
    app = create_app(args.data_dir, config)
    tls: dict[str, Any] = {}
    if args.certfile:
        tls = {"ssl_certfile": args.certfile, "ssl_keyfile": args.keyfile}
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=args.trust_proxy,
        forwarded_allow_ips="127.0.0.1" if args.trust_proxy else "",
        server_header=False,
        access_log=False,  # page views are audited (scrubbed) instead; URLs hold filter text
        log_level=args.log_level,
        **tls,
    )
    return 0


def register(subparsers: Any) -> None:
    """Add ``dashboard`` (serve) with ``hash-password`` and ``adduser`` helpers."""
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the security team's web dashboard",
        description="Serve the anomaly dashboard over the monitor's store.",
    )
    parser.add_argument("--data-dir", default=None, help="the shared data directory")
    parser.add_argument("--config", default=None, help="dashboard YAML (users, roles, limits)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--certfile", default=None, help="TLS certificate (PEM); cookies get Secure"
    )
    parser.add_argument("--keyfile", default=None, help="TLS private key (PEM)")
    parser.add_argument(
        "--trust-proxy",
        action="store_true",
        help="trust X-Forwarded-For from a reverse proxy on 127.0.0.1",
    )
    parser.add_argument("--log-level", default="info", choices=["warning", "info", "debug"])
    parser.set_defaults(func=_serve)
    sub = parser.add_subparsers(dest="dashboard_command", metavar="HELPER")
    hp = sub.add_parser("hash-password", help="print an argon2 hash for a config entry")
    hp.set_defaults(func=_hash_password)
    add = sub.add_parser("adduser", help="add a user to a config file (or print the entry)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="viewer")
    add.add_argument("--config", default=None, help="file to update; omitted prints YAML")
    add.add_argument("--replace", action="store_true", help="overwrite an existing user")
    add.add_argument("--totp", action="store_true", help="enrol a TOTP second factor")
    add.add_argument("--qr-png", default=None, help="write the enrolment QR code to this PNG")
    add.add_argument("--data-dir", default=None, help="audit the enrolment in this store")
    add.set_defaults(func=_adduser)
    reset = sub.add_parser("reset-2fa", help="give a user a new TOTP secret and recovery codes")
    reset.add_argument("name")
    reset.add_argument("--config", required=True, help="the dashboard config file")
    reset.add_argument("--qr-png", default=None, help="write the enrolment QR code to this PNG")
    reset.add_argument("--data-dir", default=None, help="the store the reset is audited in")
    reset.set_defaults(func=_reset_2fa)
