"""logward's error tree, for applications: :mod:`logward_base.errors` under its public name."""

from __future__ import annotations

from logward_base import errors as _errors
from logward_base.errors import *  # noqa: F403 # the same classes, one definition

__all__ = _errors.__all__
