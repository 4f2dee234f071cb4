"""Building scrubbers from rules, and the process-wide default scrubber.

Nothing here runs at import: YAML is parsed and regexes compiled when
``load_scrubber`` (or the first use of the default scrubber) is called.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detectors import (
    Detector,
    KeyNameMatcher,
    KeyValueDetector,
    PatternDetector,
    ScanGroupDetector,
    load_name_detectors,
    load_rules,
)
from logward_base.errors import DetectorError
from logward_base.paths import rules_dir as shipped_rules_dir
from scrubber._engine import CHUNK_CHARS, CHUNK_OVERLAP, Scrubber
from scrubber._policy import merge_policy_data, parse_policy

if TYPE_CHECKING:
    from detectors import PresidioSpec

__all__ = ["get_default_scrubber", "load_scrubber", "scrub_mapping", "scrub_text"]

_default: Scrubber | None = None
_default_lock = threading.Lock()


def load_scrubber(
    rules_dir: str | os.PathLike[str] | None = None,
    *,
    extra_rules: Iterable[str | os.PathLike[str]] = (),
    ner: bool = False,
    ner_model: str | None = None,
    env: Mapping[str, str] | None = None,
    chunk_chars: int = CHUNK_CHARS,
    chunk_overlap: int = CHUNK_OVERLAP,
    presidio_recognizers: Iterable[str | os.PathLike[str]] = (),
) -> Scrubber:
    """Build a scrubber from a rules directory.

    Args:
        rules_dir: a directory holding ``pii/*.yaml`` and ``scrub.yaml`` (or a bare
            directory of PII rule files); ``None`` means the shipped rules.
        extra_rules: rule files or directories loaded after ``rules_dir``; their
            rules override same-named ones, their ``scrub.yaml`` merges over the
            policy.
        ner: add the NER tier (PERSON, STREET_ADDRESS) from ``detectors.load_ner_detector``.
        ner_model: spaCy model package name or path for the NER tier.
        env: environment for ``$LOGWARD_PSEUDONYM_KEY`` (default ``os.environ``).
        chunk_chars: longest text scanned in one piece.
        chunk_overlap: overlap of consecutive chunks of longer texts.
        presidio_recognizers: Presidio recognizer YAML files to run as a detector
            (``logward[presidio]``), beside any ``type: presidio`` rules.

    Returns:
        A ready, thread-safe scrubber.

    Raises:
        RuleError: a rule or policy file is invalid (names file, rule and field).
        KeyMaterialError: the policy uses pseudonyms and no valid key is configured.
        DetectorError: ``ner=True`` and the NER tier cannot be loaded.
    """
    root = Path(rules_dir) if rules_dir is not None else shipped_rules_dir()
    loaded = load_rules(root, [Path(p) for p in extra_rules])
    merged: dict[str, Any] = {}
    for data in loaded.policies:
        merged = merge_policy_data(merged, data)
    policy = parse_policy(merged, ", ".join(loaded.policy_files), env)
    matcher = KeyNameMatcher(loaded.key_names)
    detectors: list[Detector] = []
    groups: dict[str, list[PatternDetector]] = {}
    for rule in loaded.patterns:
        detector = PatternDetector(rule)
        if rule.scan_group is None:
            detectors.append(detector)
        else:
            groups.setdefault(rule.scan_group, []).append(detector)
    detectors.extend(ScanGroupDetector(name, members) for name, members in groups.items())
    if policy.key_value and len(matcher):
        detectors.append(KeyValueDetector(matcher, score=policy.key_value_score))
    detectors.extend(loaded.detectors)
    # The no-model PERSON tier (rules/names/), on by default, with or without NER.
    detectors.extend(load_name_detectors(root))
    presidio = list(loaded.presidio)
    extra_presidio = tuple(Path(p) for p in presidio_recognizers)
    if extra_presidio:
        from detectors import PresidioSpec  # start-up time: Presidio only when asked

        presidio.append(PresidioSpec("--presidio-recognizers", yaml_files=extra_presidio))
    if presidio:
        detectors.append(_load_presidio(presidio))
    if ner or ner_model is not None:
        detectors.append(_load_ner(ner_model))
    return Scrubber(
        detectors,
        policy=policy,
        key_matcher=matcher,
        chunk_chars=chunk_chars,
        chunk_overlap=chunk_overlap,
    )


def _load_presidio(specs: list[PresidioSpec]) -> Detector:
    from detectors import load_presidio_detector  # start-up time: only when asked

    try:
        return load_presidio_detector(specs)
    except ImportError as exc:
        raise DetectorError(
            f"presidio recognizers need presidio-analyzer ({type(exc).__name__}); "
            "install logward[presidio]"
        ) from None


def _load_ner(model: str | None) -> Detector:
    from detectors import load_ner_detector  # start-up time: the NER tier only when asked

    try:
        return load_ner_detector(model)
    except DetectorError:
        raise
    except Exception as exc:
        raise DetectorError(
            f"cannot load the NER model {model or '(default)'}: {type(exc).__name__}"
        ) from None


def get_default_scrubber() -> Scrubber:
    """Return the process-wide scrubber built from the shipped rules (built once).

    Raises:
        RuleError: the shipped rules are invalid (a packaging bug).
        KeyMaterialError: the shipped policy needs a key that is not configured.
    """
    global _default
    scrubber = _default
    if scrubber is None:
        with _default_lock:
            if _default is None:
                _default = load_scrubber()
            scrubber = _default
    return scrubber


def scrub_text(text: str, counts: Counter[str] | None = None) -> str:
    """Scrub ``text`` with the default scrubber (see :meth:`Scrubber.scrub_text`)."""
    return get_default_scrubber().scrub_text(text, counts)


def scrub_mapping(data: Mapping[str, Any], counts: Counter[str] | None = None) -> dict[str, Any]:
    """Scrub ``data`` with the default scrubber (see :meth:`Scrubber.scrub_mapping`)."""
    return get_default_scrubber().scrub_mapping(data, counts)
