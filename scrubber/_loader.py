"""Strict loading of the PII rules (``rules/pii/*.yaml``) and the scrub policy.

One rule per file. A ``pattern`` rule::

    name: email                     # unique; a later file with the same name overrides
    description: E-mail addresses
    type: pattern                   # or "keys" (key names only, no patterns)
    entity: EMAIL_ADDRESS
    enabled: true
    literals: ['@', '%40']          # one must occur (any case) before anything is tried
    prefilter: '@|%40'              # regex that must occur before patterns are tried
    ignore_case: false
    patterns:                       # run as one alternation: the first that matches wins
      - {regex: '...', score: 0.9}  # named groups pii* mark the span to redact;
                                    # group names are unique across a rule's patterns,
                                    # numbered backreferences are not allowed
    validators: [luhn]              # names from detectors.VALIDATORS
    context: {words: [email], boost: 0.35, negative: [], penalty: 0.5, window: 40}
                                    # negative_before: N looks for negative words only
                                    # in the N characters before a match (0: the window)
    scan_group: digits              # rules of one group are located by one shared scan;
    first_chars: '\\d(+'            # ... then every match must start with one of these
    word_start: true                # ... and never right after an ASCII letter or digit
    starts_with: ['\\d{3}']         # ... optional: regexes all matching where valid matches start
    regions: [US, GB]               # phone rules: libphonenumber decides the base score
    keys: [email, e_mail]           # key names whose values are this entity
    exclude_keys: [email_verified]  # key names that are never PII

A ``presidio`` rule brings presidio-analyzer recognizers (``logward[presidio]``)::

    name: in_house_ids
    type: presidio
    recognizers: [employee.yaml]    # Presidio recognizer YAML, relative to this file
    classes: [acme.pii:BadgeRecognizer]  # EntityRecognizer classes by import path
    language: en                    # which supported_language to load

Unknown fields, wrong types, bad regexes and unknown validators raise
:class:`~logward_base.errors.RuleError` naming the file, the rule and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from detectors._pattern import ContextRule, PatternRule, PatternSpec
from detectors._presidio import PresidioSpec
from detectors._validators import VALIDATORS
from logward_base.errors import RuleError
from scrubber._policy import merge_policy_data

__all__ = ["LoadedRules", "load_rules"]

POLICY_FILE = "scrub.yaml"
_COMMON = frozenset({"name", "description", "type", "entity", "enabled", "keys", "exclude_keys"})
_PATTERN_ONLY = frozenset(
    {
        "prefilter",
        "literals",
        "ignore_case",
        "patterns",
        "validators",
        "context",
        "scan_group",
        "first_chars",
        "word_start",
        "starts_with",
        "regions",
    }
)
_NUMBERED_BACKREF = re.compile(r"(?<!\\)\\[1-9]")
_CONTEXT_FIELDS = frozenset({"words", "boost", "negative", "penalty", "window", "negative_before"})
_ENTITY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_REGION = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class LoadedRules:
    """The validated content of a rules directory plus any extra rule paths.

    Attributes:
        patterns: the enabled pattern rules, in load order.
        key_names: key name → entity (``None`` for exclusions).
        policy: the merged policy mapping (validated by ``parse_policy``).
        policy_files: the policy files read, for error messages.
    """

    patterns: tuple[PatternRule, ...]
    key_names: Mapping[str, str | None]
    policy: Mapping[str, Any]
    policy_files: tuple[str, ...]
    presidio: tuple[PresidioSpec, ...] = ()


def load_rules(rules_dir: Path, extra: Iterable[str | Path] = ()) -> LoadedRules:
    """Load ``rules_dir/pii/*.yaml`` and ``rules_dir/scrub.yaml``, then each extra path.

    An extra path is a rule file or a directory of them; a file named
    ``scrub.yaml`` is a policy merged over the earlier one. Later rules replace
    earlier rules of the same name (``enabled: false`` switches one off).

    Raises:
        RuleError: a file is unreadable or invalid.
    """
    rule_files: list[Path] = []
    policy_files: list[Path] = []
    if not rules_dir.is_dir():
        raise RuleError(str(rules_dir), None, None, "rules directory not found")
    # A top-level rules dir holds pii/; a bare directory of PII rules works too.
    pii = rules_dir / "pii" if (rules_dir / "pii").is_dir() else rules_dir
    rule_files.extend(f for f in sorted(pii.glob("*.yaml")) if f.name != POLICY_FILE)
    if (rules_dir / POLICY_FILE).is_file():
        policy_files.append(rules_dir / POLICY_FILE)
    for item in extra:
        path = Path(item)
        if path.is_dir():
            files = sorted(path.glob("*.yaml"))
        elif path.is_file():
            files = [path]
        else:
            raise RuleError(str(path), None, None, "extra rules path not found")
        for file in files:
            (policy_files if file.name == POLICY_FILE else rule_files).append(file)

    rules: dict[str, tuple[str, dict[str, Any]]] = {}
    for file in rule_files:
        data = _read(file)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RuleError(str(file), None, "name", "required non-empty string")
        rules[name] = (str(file), data)

    patterns: list[PatternRule] = []
    presidio: list[PresidioSpec] = []
    key_names: dict[str, str | None] = {}
    for name, (rule_file, data) in rules.items():
        if data.get("type") == "presidio":
            spec = _presidio_rule(rule_file, name, data)
            if spec is not None:
                presidio.append(spec)
            continue
        built = _build(rule_file, name, data)
        if built is None:
            continue
        rule, keys, excluded = built
        if rule is not None:
            patterns.append(rule)
        for key in keys:
            key_names[key] = data["entity"]
        for key in excluded:
            key_names[key] = None

    policy: dict[str, Any] = {}
    for file in policy_files:
        policy = merge_policy_data(policy, _read(file))
    return LoadedRules(
        tuple(patterns),
        key_names,
        policy,
        tuple(str(f) for f in policy_files) or ("<defaults>",),
        tuple(presidio),
    )


# libyaml's safe loader when PyYAML has it (rule loading is most of start-up otherwise)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(str(file), None, None, f"cannot read ({type(exc).__name__})") from None
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        if "nesting depth" in str(getattr(exc, "problem", "")):  # libyaml's own limit
            raise RuleError(str(file), None, None, "invalid YAML: nested too deeply") from None
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RuleError(str(file), None, None, f"invalid YAML{where}") from None
    except RecursionError:
        raise RuleError(str(file), None, None, "invalid YAML: nested too deeply") from None
    if not isinstance(data, dict):
        raise RuleError(str(file), None, None, "must be a YAML mapping")
    return data


def _build(
    file: str, name: str, data: Mapping[str, Any]
) -> tuple[PatternRule | None, list[str], list[str]] | None:
    kind = data.get("type")
    if kind not in ("pattern", "keys"):
        raise RuleError(file, name, "type", "must be 'pattern', 'keys' or 'presidio'")
    allowed = _COMMON | (_PATTERN_ONLY if kind == "pattern" else frozenset())
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RuleError(file, name, unknown[0], f"unknown field for a {kind} rule")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(file, name, "enabled", "must be true or false")
    if "description" in data and not isinstance(data["description"], str):
        raise RuleError(file, name, "description", "must be a string")
    entity = data.get("entity")
    if not isinstance(entity, str) or not _ENTITY.fullmatch(entity):
        raise RuleError(file, name, "entity", "required UPPER_SNAKE entity name")
    keys = _strings(data.get("keys", []), file, name, "keys")
    excluded = _strings(data.get("exclude_keys", []), file, name, "exclude_keys")
    if not enabled:
        return None
    if kind == "keys":
        if not keys and not excluded:
            raise RuleError(file, name, "keys", "a keys rule needs keys or exclude_keys")
        return None, keys, excluded
    return _pattern_rule(file, name, entity, data), keys, excluded


_PRESIDIO_FIELDS = frozenset(
    {"name", "description", "type", "enabled", "recognizers", "classes", "language"}
)


def _presidio_rule(file: str, name: str, data: Mapping[str, Any]) -> PresidioSpec | None:
    """A ``type: presidio`` rule: Presidio recognizer files and classes to load."""
    unknown = sorted(set(data) - _PRESIDIO_FIELDS)
    if unknown:
        raise RuleError(file, name, unknown[0], "unknown field for a presidio rule")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(file, name, "enabled", "must be true or false")
    raw_files = data.get("recognizers", [])
    if isinstance(raw_files, str):
        raw_files = [raw_files]
    files = _strings(raw_files, file, name, "recognizers")
    classes = _strings(data.get("classes", []), file, name, "classes")
    if not files and not classes:
        raise RuleError(file, name, "recognizers", "a presidio rule needs recognizers or classes")
    language = data.get("language", "en")
    if not isinstance(language, str) or not re.fullmatch(
        r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?", language
    ):
        raise RuleError(file, name, "language", "must be a language code such as 'en'")
    base = Path(file).parent
    paths = []
    for i, item in enumerate(files):
        path = Path(item) if Path(item).is_absolute() else base / item
        if not path.is_file():
            raise RuleError(file, name, f"recognizers[{i}]", "file not found")
        paths.append(path)
    if not enabled:
        return None
    return PresidioSpec(name, tuple(paths), tuple(classes), language)


def _pattern_rule(file: str, name: str, entity: str, data: Mapping[str, Any]) -> PatternRule:
    ignore_case = data.get("ignore_case", False)
    if not isinstance(ignore_case, bool):
        raise RuleError(file, name, "ignore_case", "must be true or false")
    flags = re.IGNORECASE if ignore_case else 0
    raw = data.get("patterns")
    if not isinstance(raw, list) or not raw:
        raise RuleError(file, name, "patterns", "required non-empty list")
    specs: list[PatternSpec] = []
    for i, item in enumerate(raw):
        where = f"patterns[{i}]"
        if not isinstance(item, dict):
            raise RuleError(file, name, where, "must be a mapping with regex and score")
        unknown = sorted(set(item) - {"regex", "score"})
        if unknown:
            raise RuleError(file, name, f"{where}.{unknown[0]}", "unknown field")
        regex = item.get("regex")
        if not isinstance(regex, str) or not regex:
            raise RuleError(file, name, f"{where}.regex", "required non-empty string")
        _compile(regex, flags, file, name, f"{where}.regex")
        if _NUMBERED_BACKREF.search(regex):
            raise RuleError(file, name, f"{where}.regex", "use named groups: (?P<x>...) and (?P=x)")
        specs.append(PatternSpec(regex, _score(item.get("score"), file, name, f"{where}.score")))
    combined = "|".join(f"(?P<_p{i}>{spec.regex})" for i, spec in enumerate(specs))
    _compile(combined, flags, file, name, "patterns")
    literals = _strings(data.get("literals", []), file, name, "literals")
    prefilter = data.get("prefilter")
    if prefilter is not None:
        if not isinstance(prefilter, str) or not prefilter:
            raise RuleError(file, name, "prefilter", "must be a non-empty regex string")
        _compile(prefilter, flags, file, name, "prefilter")
    validators = []
    for i, vname in enumerate(_strings(data.get("validators", []), file, name, "validators")):
        if vname not in VALIDATORS:
            known = ", ".join(sorted(VALIDATORS))
            raise RuleError(
                file, name, f"validators[{i}]", f"unknown validator {vname!r} (known: {known})"
            )
        validators.append(VALIDATORS[vname])
    scan_group = data.get("scan_group")
    first_chars = data.get("first_chars")
    if scan_group is not None:
        if not isinstance(scan_group, str) or not scan_group:
            raise RuleError(file, name, "scan_group", "must be a non-empty string")
        if ignore_case:
            raise RuleError(file, name, "scan_group", "case-insensitive rules cannot join a group")
        if not isinstance(first_chars, str) or not first_chars:
            raise RuleError(file, name, "first_chars", "required with scan_group")
        _compile(f"[{first_chars}]", 0, file, name, "first_chars")
    elif first_chars is not None:
        raise RuleError(file, name, "first_chars", "only meaningful with scan_group")
    word_start = data.get("word_start", False)
    if not isinstance(word_start, bool):
        raise RuleError(file, name, "word_start", "must be true or false")
    starts_with = data.get("starts_with", [])
    if isinstance(starts_with, str):
        starts_with = [starts_with]
    starts_with = _strings(starts_with, file, name, "starts_with")
    if starts_with and scan_group is None:
        raise RuleError(file, name, "starts_with", "only meaningful with scan_group")
    for i, shape in enumerate(starts_with):
        _compile(f"(?<=(?=(?:{shape})).)", 0, file, name, f"starts_with[{i}]")
    regions = _strings(data.get("regions", []), file, name, "regions")
    for i, region in enumerate(regions):
        if not _REGION.fullmatch(region):
            raise RuleError(file, name, f"regions[{i}]", "must be an ISO 3166 alpha-2 code")
    return PatternRule(
        name=name,
        entity=entity,
        patterns=tuple(specs),
        validators=tuple(validators),
        context=_context(data.get("context", {}), file, name),
        prefilter=prefilter,
        literals=tuple(literals),
        ignore_case=ignore_case,
        scan_group=scan_group,
        first_chars=first_chars,
        word_start=word_start,
        starts_with=tuple(starts_with),
        regions=tuple(regions),
    )


def _context(raw: Any, file: str, name: str) -> ContextRule:
    if not isinstance(raw, dict):
        raise RuleError(file, name, "context", "must be a mapping")
    unknown = sorted(set(raw) - _CONTEXT_FIELDS)
    if unknown:
        raise RuleError(file, name, f"context.{unknown[0]}", "unknown field")
    window = raw.get("window", 40)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 200:
        raise RuleError(file, name, "context.window", "must be an integer from 1 to 200")
    before = raw.get("negative_before", 0)
    if isinstance(before, bool) or not isinstance(before, int) or not 0 <= before <= 200:
        raise RuleError(file, name, "context.negative_before", "must be an integer from 0 to 200")
    return ContextRule(
        negative_before=before,
        words=tuple(_strings(raw.get("words", []), file, name, "context.words")),
        boost=_score(raw.get("boost", 0.35), file, name, "context.boost"),
        negative=tuple(_strings(raw.get("negative", []), file, name, "context.negative")),
        penalty=_score(raw.get("penalty", 0.5), file, name, "context.penalty"),
        window=window,
    )


def _compile(regex: str, flags: int, file: str, rule: str, where: str) -> None:
    try:
        re.compile(regex, flags)
    except re.error as exc:
        raise RuleError(file, rule, where, f"invalid regex: {exc}") from None
    except (OverflowError, RecursionError) as exc:  # e.g. a{4294967296}, deep nesting
        raise RuleError(file, rule, where, f"invalid regex: {type(exc).__name__}") from None


def _score(value: Any, file: str, rule: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise RuleError(file, rule, where, "must be a number from 0 to 1")
    return float(value)


def _strings(value: Any, file: str, rule: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuleError(file, rule, where, "must be a list of non-empty strings")
    return list(value)
