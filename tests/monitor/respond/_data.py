"""A responses.yaml document the respond tests share (parsed form)."""

from __future__ import annotations

from typing import Any

BASE: dict[str, Any] = {
    "version": 1,
    "settings": {"cap": {"max": 2, "window": "1h"}, "retry_backoff": "10ms"},
    "allow": {"accounts": ["breakglass"], "cidrs": ["10.0.0.0/8"]},
    "revokers": {"embedded": {"type": "sqlite"}},
    "responses": [
        {
            "name": "account",
            "match": {"rule": "acct-*", "key": "user.name"},
            "actions": [
                {
                    "type": "revoke_account",
                    "revoker": "embedded",
                    "mode": "temporary",
                    "duration": "1h",
                    "escalate": {"after": 1, "mode": "until_reviewed"},
                }
            ],
        },
        {
            "name": "sim",
            "match": {"rule": "sim-*"},
            "dry_run": True,
            "actions": [{"type": "revoke_account", "revoker": "embedded"}],
        },
        {
            "name": "ip",
            "match": {"rule": "ip-*"},
            "actions": [{"type": "revoke_account", "revoker": "embedded"}],
        },
    ],
}
