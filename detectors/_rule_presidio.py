"""The ``presidio`` PII rule type: Presidio recognizer files and classes to load.

::

    name: in_house_ids
    type: presidio
    recognizers: [employee.yaml]    # Presidio recognizer YAML, relative to this file
    classes: [acme.pii:BadgeRecognizer]  # EntityRecognizer classes by import path
    language: en                    # which supported_language to load
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from detectors._presidio import PresidioSpec
from detectors._rule_fields import RuleParts, check_fields, enabled_field, strings_field
from logward_base.errors import RuleError

__all__ = ["build_presidio_rule"]

_FIELDS = frozenset(
    {"name", "description", "type", "enabled", "recognizers", "classes", "language"}
)
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?")


def build_presidio_rule(file: str, name: str, data: Mapping[str, Any], parts: RuleParts) -> None:
    """Check a ``type: presidio`` rule and add its :class:`PresidioSpec` when enabled."""
    check_fields(file, name, data, _FIELDS)
    enabled = enabled_field(file, name, data)
    raw_files = data.get("recognizers", [])
    if isinstance(raw_files, str):
        raw_files = [raw_files]
    files = strings_field(raw_files, file, name, "recognizers")
    classes = strings_field(data.get("classes", []), file, name, "classes")
    if not files and not classes:
        raise RuleError(file, name, "recognizers", "a presidio rule needs recognizers or classes")
    language = data.get("language", "en")
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        raise RuleError(file, name, "language", "must be a language code such as 'en'")
    base = Path(file).parent
    paths = []
    for i, item in enumerate(files):
        path = Path(item) if Path(item).is_absolute() else base / item
        if not path.is_file():
            raise RuleError(file, name, f"recognizers[{i}]", "file not found")
        paths.append(path)
    if enabled:
        parts.presidio.append(PresidioSpec(name, tuple(paths), tuple(classes), language))
