"""The ``pattern`` and ``keys`` PII rule types (see :mod:`detectors._rules`).

A ``pattern`` rule becomes a :class:`PatternRule` (regexes, validators, context
words, an optional shared scan group) and may name keys; a ``keys`` rule only
names keys whose values are an entity (``keys``) or never PII (``exclude_keys``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from detectors._pattern import ContextRule, PatternRule, PatternSpec
from detectors._rule_fields import (
    RuleParts,
    check_fields,
    compile_regex,
    enabled_field,
    score_field,
    strings_field,
)
from detectors._validators import VALIDATORS
from logward_base.errors import RuleError

__all__ = ["build_keys_rule", "build_pattern_rule"]

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
        "then",
        "regions",
        "anchor",
        "starts_at_literal",
    }
)
_NUMBERED_BACKREF = re.compile(r"(?<!\\)\\[1-9]")
_CONTEXT_FIELDS = frozenset({"words", "boost", "negative", "penalty", "window", "negative_before"})
_ENTITY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_REGION = re.compile(r"[A-Z]{2}")


def build_pattern_rule(file: str, name: str, data: Mapping[str, Any], parts: RuleParts) -> None:
    """A ``type: pattern`` rule: its :class:`PatternRule` and its key names."""
    _build(file, name, data, parts, _COMMON | _PATTERN_ONLY)


def build_keys_rule(file: str, name: str, data: Mapping[str, Any], parts: RuleParts) -> None:
    """A ``type: keys`` rule: key names only."""
    _build(file, name, data, parts, _COMMON)


def _build(
    file: str, name: str, data: Mapping[str, Any], parts: RuleParts, allowed: frozenset[str]
) -> None:
    check_fields(file, name, data, allowed)
    enabled = enabled_field(file, name, data)
    if "description" in data and not isinstance(data["description"], str):
        raise RuleError(file, name, "description", "must be a string")
    entity = data.get("entity")
    if not isinstance(entity, str) or not _ENTITY.fullmatch(entity):
        raise RuleError(file, name, "entity", "required UPPER_SNAKE entity name")
    keys = strings_field(data.get("keys", []), file, name, "keys")
    excluded = strings_field(data.get("exclude_keys", []), file, name, "exclude_keys")
    if not enabled:
        return
    if data["type"] == "keys":
        if not keys and not excluded:
            raise RuleError(file, name, "keys", "a keys rule needs keys or exclude_keys")
    else:
        parts.patterns.append(_pattern_rule(file, name, entity, data))
    for key in keys:
        parts.key_names[key] = entity
    for key in excluded:
        parts.key_names[key] = None


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
        compile_regex(regex, flags, file, name, f"{where}.regex")
        if _NUMBERED_BACKREF.search(regex):
            raise RuleError(file, name, f"{where}.regex", "use named groups: (?P<x>...) and (?P=x)")
        specs.append(
            PatternSpec(regex, score_field(item.get("score"), file, name, f"{where}.score"))
        )
    combined = "|".join(f"(?P<_p{i}>{spec.regex})" for i, spec in enumerate(specs))
    compile_regex(combined, flags, file, name, "patterns")
    literals = strings_field(data.get("literals", []), file, name, "literals")
    prefilter = data.get("prefilter")
    if prefilter is not None:
        if not isinstance(prefilter, str) or not prefilter:
            raise RuleError(file, name, "prefilter", "must be a non-empty regex string")
        compile_regex(prefilter, flags, file, name, "prefilter")
    validators = []
    for i, vname in enumerate(strings_field(data.get("validators", []), file, name, "validators")):
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
        compile_regex(f"[{first_chars}]", 0, file, name, "first_chars")
    elif first_chars is not None:
        raise RuleError(file, name, "first_chars", "only meaningful with scan_group")
    word_start = data.get("word_start", False)
    if not isinstance(word_start, bool):
        raise RuleError(file, name, "word_start", "must be true or false")
    starts_with = data.get("starts_with", [])
    if isinstance(starts_with, str):
        starts_with = [starts_with]
    starts_with = strings_field(starts_with, file, name, "starts_with")
    if starts_with and scan_group is None:
        raise RuleError(file, name, "starts_with", "only meaningful with scan_group")
    for i, shape in enumerate(starts_with):
        compile_regex(f"(?<=(?=(?:{shape})).)", 0, file, name, f"starts_with[{i}]")
    then = data.get("then")
    if then is not None:
        if not isinstance(then, str) or not then:
            raise RuleError(file, name, "then", "must be a non-empty string")
        if not starts_with:
            raise RuleError(file, name, "then", "only meaningful with starts_with")
        compile_regex(f"(?=(?:{then}))", 0, file, name, "then")
    regions = strings_field(data.get("regions", []), file, name, "regions")
    for i, region in enumerate(regions):
        if not _REGION.fullmatch(region):
            raise RuleError(file, name, f"regions[{i}]", "must be an ISO 3166 alpha-2 code")
    anchor, within = _anchor(data.get("anchor"), flags, file, name)
    at_literal = data.get("starts_at_literal", False)
    if not isinstance(at_literal, bool):
        raise RuleError(file, name, "starts_at_literal", "must be true or false")
    if at_literal and not literals:
        raise RuleError(file, name, "starts_at_literal", "needs literals")
    if at_literal and not all(lit.isascii() and lit.isalnum() for lit in literals):
        raise RuleError(file, name, "starts_at_literal", "literals must be ASCII letters or digits")
    if at_literal and (anchor is not None or scan_group is not None):
        raise RuleError(file, name, "starts_at_literal", "not with anchor or scan_group")
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
        then=then,
        regions=tuple(regions),
        anchor=anchor,
        anchor_within=within,
        starts_at_literal=at_literal,
    )


def _anchor(raw: Any, flags: int, file: str, name: str) -> tuple[str | None, int]:
    """``anchor: {regex, within}``: a regex every match holds, starting 1 to
    ``within`` characters after the match's start (a promise, like ``starts_with``)."""
    if raw is None:
        return None, 0
    if not isinstance(raw, dict):
        raise RuleError(file, name, "anchor", "must be a mapping with regex and within")
    unknown = sorted(set(raw) - {"regex", "within"})
    if unknown:
        raise RuleError(file, name, f"anchor.{unknown[0]}", "unknown field")
    regex = raw.get("regex")
    if not isinstance(regex, str) or not regex:
        raise RuleError(file, name, "anchor.regex", "required non-empty string")
    compile_regex(regex, flags, file, name, "anchor.regex")
    within = raw.get("within")
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= 4096:
        raise RuleError(file, name, "anchor.within", "must be an integer from 1 to 4096")
    return regex, within


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
        words=tuple(strings_field(raw.get("words", []), file, name, "context.words")),
        boost=score_field(raw.get("boost", 0.35), file, name, "context.boost"),
        negative=tuple(strings_field(raw.get("negative", []), file, name, "context.negative")),
        penalty=score_field(raw.get("penalty", 0.5), file, name, "context.penalty"),
        window=window,
    )
