"""Strict loading of the no-model PERSON tier's settings (``rules/names/*.yaml``).

One rule per file (see ``rules/names/person_names.yaml``); a later file with the
same ``name`` replaces an earlier one. Unknown fields, wrong types and unreadable
word files raise :class:`~logward_base.errors.RuleError` naming the file, the rule and
the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detectors._names import AMBIGUOUS_NAMES, NameRules, first_names, surnames
from detectors._person import PersonNameDetector
from logward_base.errors import RuleError
from logward_base.paths import rules_dir as shipped_rules_dir

__all__ = ["load_name_detectors"]

_FIELDS = frozenset(
    {
        "name", "description", "enabled", "score", "given_name_files", "surname_files",
        "given_names", "surnames", "ambiguous", "not_names", "context_words", "subject_is_person",
    }
)  # fmt: skip
_WORD_LISTS = ("given_names", "surnames", "ambiguous", "not_names", "context_words")


def _read(file: Path) -> dict[str, Any]:
    import yaml  # start-up time: PyYAML only when rules are loaded, not on `import scrubber`

    try:
        data = yaml.safe_load(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(str(file), None, None, f"cannot read ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise RuleError(str(file), None, None, f"invalid YAML{line}") from None
    if not isinstance(data, dict):
        raise RuleError(str(file), None, None, "must be a mapping")
    return data


def _words(file: Path, rule: str, field: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(str(file), rule, field, "must be a list of non-empty strings")
    return frozenset(v.strip() for v in value)


def _word_files(file: Path, rule: str, field: str, value: Any) -> frozenset[str]:
    words: set[str] = set()
    for i, item in enumerate(sorted(_words(file, rule, field, value))):
        path = Path(item) if Path(item).is_absolute() else file.parent / item
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(
                str(file), rule, f"{field}[{i}]", f"cannot read word file ({type(exc).__name__})"
            ) from None
        words.update(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))
    return frozenset(words)


def _build(file: Path, data: dict[str, Any]) -> PersonNameDetector | None:
    rule = data["name"]
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise RuleError(str(file), rule, unknown[0], "unknown field")
    enabled = data.get("enabled", True)
    subject = data.get("subject_is_person", True)
    for field, value in (("enabled", enabled), ("subject_is_person", subject)):
        if not isinstance(value, bool):
            raise RuleError(str(file), rule, field, "must be true or false")
    score = data.get("score", 0.7)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 < score <= 1:
        raise RuleError(str(file), rule, "score", "must be a number in (0, 1]")
    lists = {f: _words(file, rule, f, data.get(f, [])) for f in _WORD_LISTS}
    given_files = _word_files(file, rule, "given_name_files", data.get("given_name_files", []))
    family_files = _word_files(file, rule, "surname_files", data.get("surname_files", []))
    if not enabled:
        return None
    ambiguous = AMBIGUOUS_NAMES | lists["ambiguous"]
    not_names = frozenset(w.lower() for w in lists["not_names"])
    given = (first_names() | lists["given_names"] | given_files) - ambiguous
    family = (surnames() | lists["surnames"] | family_files) - ambiguous
    rules = NameRules(
        not_names,
        given=given,
        family=family,
        subject_is_person=subject,
        cues=frozenset(w.lower() for w in lists["context_words"]),
    )
    return PersonNameDetector(rules, score=float(score), name=rule)


def load_name_detectors(rules_dir: Path | None = None) -> list[PersonNameDetector]:
    """Build the enabled no-model PERSON detectors from ``rules_dir/names/*.yaml``.

    Args:
        rules_dir: a rules directory (``names/`` inside it is optional); ``None`` means
            the shipped rules.

    Returns:
        One detector per enabled rule, in file order.

    Raises:
        RuleError: a file is unreadable or invalid.
    """
    folder = (shipped_rules_dir() if rules_dir is None else rules_dir) / "names"
    if not folder.is_dir():
        return []
    rules: dict[str, tuple[Path, dict[str, Any]]] = {}
    for file in sorted(folder.glob("*.yaml")):
        data = _read(file)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RuleError(str(file), None, "name", "required non-empty string")
        rules[name] = (file, data)
    built = (_build(file, data) for file, data in rules.values())
    return [d for d in built if d is not None]
