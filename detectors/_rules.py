"""Strict loading of the PII rules (``rules/pii/*.yaml``): a registry of rule types.

One rule per file. A ``pattern`` rule::

    name: email                     # unique; a later file with the same name overrides
    description: E-mail addresses
    type: pattern                   # a key of RULE_TYPES: pattern, keys, presidio
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

Each ``type`` names a builder in :data:`RULE_TYPES`; a builder checks its rule's
fields and adds what it builds to a :class:`RuleParts`. A new detector type is
one module ``detectors/_rule_<type>.py`` and one line in :data:`RULE_TYPES`.

A file named ``scrub.yaml`` is the scrub policy: it is read here (a YAML mapping)
and interpreted by ``scrubber``. Unknown fields, wrong types, bad regexes and
unknown validators raise :class:`~logward_base.errors.RuleError` naming the file,
the rule and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detectors._pattern import PatternRule
from detectors._protocols import Detector
from detectors._rule_fields import RuleParts
from detectors._rule_pattern import build_keys_rule, build_pattern_rule
from logward_base.errors import RuleError
from logward_base.paths import rules_dir as shipped_rules_dir

if TYPE_CHECKING:
    from detectors._presidio import PresidioSpec

__all__ = ["RULE_TYPES", "LoadedRules", "RuleBuilder", "load_rules"]

POLICY_FILE = "scrub.yaml"

RuleBuilder = Callable[[str, str, Mapping[str, Any], RuleParts], None]
"""``(file, rule name, rule data, parts) -> None``: check one rule, add what it builds."""


def _build_presidio_rule(file: str, name: str, data: Mapping[str, Any], parts: RuleParts) -> None:
    """The ``presidio`` builder, imported on first use.

    Start-up time: rules without a ``type: presidio`` rule never load the Presidio adapter.
    """
    from detectors._rule_presidio import build_presidio_rule

    build_presidio_rule(file, name, data, parts)


RULE_TYPES: dict[str, RuleBuilder] = {
    "pattern": build_pattern_rule,
    "keys": build_keys_rule,
    "presidio": _build_presidio_rule,
}


@dataclass(frozen=True, slots=True)
class LoadedRules:
    """The validated content of a rules directory plus any extra rule paths.

    Attributes:
        patterns: the enabled pattern rules, in load order.
        key_names: key name → entity (``None`` for exclusions).
        policies: the policy files' mappings, in merge order (``scrubber`` checks them).
        policy_files: the policy files read, for error messages.
        presidio: the enabled Presidio recognizer specs.
        detectors: the detectors built by other rule types, in load order.
    """

    patterns: tuple[PatternRule, ...]
    key_names: Mapping[str, str | None]
    policies: tuple[Mapping[str, Any], ...]
    policy_files: tuple[str, ...]
    presidio: tuple[PresidioSpec, ...] = ()
    detectors: tuple[Detector, ...] = ()


def load_rules(rules_dir: Path | None = None, extra: Iterable[str | Path] = ()) -> LoadedRules:
    """Load ``rules_dir/pii/*.yaml`` and ``rules_dir/scrub.yaml``, then each extra path.

    An extra path is a rule file or a directory of them; a file named
    ``scrub.yaml`` is a policy merged over the earlier one. Later rules replace
    earlier rules of the same name (``enabled: false`` switches one off).

    Args:
        rules_dir: a rules directory; ``None`` means the shipped rules.
        extra: rule files or directories loaded after it.

    Raises:
        RuleError: a file is unreadable or invalid.
    """
    rules_dir = shipped_rules_dir() if rules_dir is None else rules_dir
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

    parts = RuleParts()
    for name, (rule_file, data) in rules.items():
        kind = data.get("type")
        builder = RULE_TYPES.get(kind) if isinstance(kind, str) else None
        if builder is None:
            raise RuleError(rule_file, name, "type", f"must be {_known_types()}")
        builder(rule_file, name, data, parts)
    return LoadedRules(
        tuple(parts.patterns),
        parts.key_names,
        tuple(_read(file) for file in policy_files),
        tuple(str(f) for f in policy_files) or ("<defaults>",),
        tuple(parts.presidio),
        tuple(parts.detectors),
    )


def _known_types() -> str:
    """``'pattern', 'keys' or 'presidio'``: the registered types, in registry order."""
    quoted = [repr(t) for t in RULE_TYPES]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _read(file: Path) -> dict[str, Any]:
    import yaml  # start-up time: PyYAML only when rules are loaded, not on `import scrubber`

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when PyYAML has it
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(str(file), None, None, f"cannot read ({type(exc).__name__})") from None
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
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
