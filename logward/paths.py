"""Shipped rules and the data directory: re-exported from :mod:`logward_base.paths`."""

from __future__ import annotations

from logward_base.paths import DEFAULT_DATA_DIR, data_dir, rules_dir

__all__ = ["DEFAULT_DATA_DIR", "data_dir", "rules_dir"]
