"""Overlaps between credentials fail closed: a losing credential finding never leaves its tail."""

from __future__ import annotations

from pathlib import Path

import scrubber

WINNER = """name: short_secret
type: pattern
entity: SECRET
patterns:
  - regex: 'tok (?P<pii>ab)'
    score: 0.95
"""
LOSER = """name: long_token
type: pattern
entity: {entity}
patterns:
  - regex: 'tok (?P<pii>ab cd12)'
    score: 0.9
"""


def _scrub(tmp_path: Path, entity: str, text: str) -> str:
    (tmp_path / "short_secret.yaml").write_text(WINNER)
    (tmp_path / "long_token.yaml").write_text(LOSER.format(entity=entity))
    return scrubber.load_scrubber(tmp_path).scrub_text(text)


def test_losing_token_is_still_redacted_past_the_winner(tmp_path):
    """A higher-scoring secret covering the start of a token does not leave the token's rest."""
    assert "tok <SECRET> <AUTH_TOKEN> end" == _scrub(tmp_path, "AUTH_TOKEN", "tok ab cd12 end")


def test_other_single_token_entities_are_not_extended(tmp_path):
    """A losing e-mail-like finding is not extended (the host of a URL must stay)."""
    assert "tok <SECRET> cd12 end" == _scrub(tmp_path, "EMAIL_ADDRESS", "tok ab cd12 end")


def test_value_of_a_secret_key_keeps_no_bearer_token():
    """``auth=Bearer <token>``: the key value stops at the blank, the token is still taken."""
    shipped = scrubber.load_scrubber()
    line = "level=info upstream auth=Bearer 4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c retry=1"
    assert "level=info upstream auth=<SECRET> <AUTH_TOKEN> retry=1" == shipped.scrub_text(line)
    assert "token_type=bearer expires_in=3600" == shipped.scrub_text(
        "token_type=bearer expires_in=3600"
    )
