"""``logward dashboard``: serve the security team's dashboard; make config entries.

Usage::

    logward dashboard [--data-dir DIR] [--config FILE] [--host 127.0.0.1] [--port 8080]
    logward dashboard hash-password            # reads the password from stdin/tty
    logward dashboard adduser NAME --role responder [--config FILE]
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from logward.errors import ConfigError

__all__ = ["register"]

ROLES = ("viewer", "responder", "admin")


def _read_password(confirm: bool) -> str:
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
    from logward.dashboard import hash_password

    print(hash_password(_read_password(confirm=True)))
    return 0


def _adduser(args: argparse.Namespace) -> int:
    import yaml

    from logward.dashboard import hash_password, load_config

    entry: dict[str, Any] = {
        args.name: {"role": args.role, "password_hash": hash_password(_read_password(True))}
    }
    if args.config is None:
        print(yaml.safe_dump({"users": entry}, sort_keys=False), end="")
        return 0
    load_config(args.config)  # refuse to touch an invalid file
    path = Path(args.config)
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    users = data.setdefault("users", {}) or {}
    if args.name in users and not args.replace:
        raise ConfigError(f"{args.config}: field 'users.{args.name}': exists; use --replace")
    users.update(entry)
    data["users"] = users
    with path.open("w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    load_config(args.config)
    print(f"{args.config}: user {args.name} ({args.role}) written", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

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
    add.set_defaults(func=_adduser)
