"""What the engine writes where it cannot scrub: fail-closed stand-ins for text."""

from __future__ import annotations

__all__ = ["DEPTH_PLACEHOLDER", "FAILED_PLACEHOLDER"]

FAILED_PLACEHOLDER = "<SCRUB_FAILED>"
"""A text or value whose scrubbing failed (a failure is counted)."""
DEPTH_PLACEHOLDER = "<SCRUB_DEPTH_LIMIT>"
"""A value nested deeper than the policy's depth limit."""
