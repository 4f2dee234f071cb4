"""presidio-analyzer recognizers run as one logward detector.

Teams with recognizers of their own (Presidio's recognizer YAML, ``PatternRecognizer``
subclasses, deny-lists, custom ``EntityRecognizer`` classes) bring them to logward
unchanged. Their results become :class:`~detectors.Finding` values, so they go
through logward's overlap resolution, operators, counters and fail-closed handling
like any other detector's: a recognizer that raises makes the engine fail closed on
that text (``<SCRUB_FAILED>``), never pass it through.

Scores: a Presidio score is taken as is (both are confidences in [0, 1]). Context
words, which Presidio's ``AnalyzerEngine`` applies with its context enhancer,
are applied here the same way, without an NLP engine: a context word (a whole
word, any case) within ``context_window`` characters of a result adds
``context_boost`` (Presidio's default 0.35) and lifts the score to at least
``min_score_with_context`` (0.4). Recognizers run with ``nlp_artifacts=None``:
those that need spaCy artifacts (``SpacyRecognizer``) are out of scope; logward's
own NER tier covers names.

Speed: when every recognizer is a ``PatternRecognizer`` (deny-lists are too), the
union of their regexes gates the whole detector, so a line none of them can match
costs one regex search; and when every one of those regexes needs some literal
("EMP-", a deny-listed word), the scrubber's gate calls the detector only on
lines holding one, so most lines cost no search at all. Presidio offers no
batch API for recognizers, so texts are analysed one at a time.

``presidio_analyzer`` is imported only by :func:`load_presidio_detector`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors._base import Finding
from detectors._required import required_literals
from logward_base.errors import RuleError

__all__ = ["PresidioDetector", "PresidioSpec", "load_presidio_detector"]

_IMPORT_PATH = re.compile(r"[A-Za-z_][\w.]*[:.][A-Za-z_]\w*")


@dataclass(frozen=True, slots=True)
class PresidioSpec:
    """Where a set of Presidio recognizers comes from.

    Attributes:
        name: the logward rule (or CLI option) that asked for them.
        yaml_files: Presidio recognizer YAML files (``recognizers:`` list).
        classes: import paths of recognizer classes (``package.module:Class``).
        language: the language whose recognizers are loaded (Presidio's
            ``supported_language``).
    """

    name: str
    yaml_files: tuple[Path, ...] = ()
    classes: tuple[str, ...] = ()
    language: str = "en"


@dataclass(frozen=True, slots=True)
class _Runner:
    recognizer: Any
    entities: list[str]
    context: re.Pattern[str] | None
    label: str = field(default="")


class PresidioDetector:
    """Runs Presidio recognizers over a text and returns logward findings.

    Args:
        recognizers: presidio-analyzer ``EntityRecognizer`` instances, loaded.
        name: the detector's name.
        context_boost: added to a result's score when a context word is near.
        min_score_with_context: the least score of a result with context.
        context_window: characters looked at on each side of a result.
    """

    def __init__(
        self,
        recognizers: Sequence[Any],
        *,
        name: str = "presidio",
        context_boost: float = 0.35,
        min_score_with_context: float = 0.4,
        context_window: int = 40,
    ) -> None:
        self._name = name
        self._boost = context_boost
        self._min_with_context = min_score_with_context
        self._window = context_window
        self._runners = tuple(
            _Runner(
                r,
                list(r.supported_entities),
                _context_regex(getattr(r, "context", None) or ()),
                f"presidio:{r.name}",
            )
            for r in recognizers
        )
        self._gate = _gate(recognizers)
        # Literals one of which every gate match holds: the scrubber's gate calls
        # this detector only on texts holding one (no regex search on the others).
        self._literals = () if self._gate is None else required_literals(self._gate)

    @property
    def name(self) -> str:
        """The detector's name."""
        return self._name

    @property
    def literals(self) -> tuple[str, ...]:
        """Lowercase strings, one of which every text a recognizer finds anything in
        holds (``()``: unknown, e.g. a recognizer class of its own)."""
        return self._literals

    @property
    def entities(self) -> tuple[str, ...]:
        """Every entity the recognizers can return."""
        return tuple(sorted({e for r in self._runners for e in r.entities}))

    def detect(self, text: str) -> list[Finding]:
        """Return the recognizers' results in ``text`` as findings.

        Raises:
            Exception: whatever a recognizer raises (the engine fails closed).
        """
        if self._gate is not None and self._gate.search(text) is None:
            return []
        found: list[Finding] = []
        for runner in self._runners:
            for result in runner.recognizer.analyze(text, runner.entities, None) or ():
                start, end = int(result.start), int(result.end)
                if not 0 <= start < end <= len(text):
                    continue
                score = float(result.score)
                ctx = runner.context
                if ctx is not None:
                    around = text[max(0, start - self._window) : end + self._window]
                    if ctx.search(around):
                        score = max(min(1.0, score + self._boost), self._min_with_context)
                found.append(Finding(str(result.entity_type), start, end, score, runner.label))
        return found


def _context_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    unique = sorted({w for w in words if isinstance(w, str) and w}, key=len, reverse=True)
    if not unique:
        return None
    alternatives = "|".join(re.escape(w) for w in unique)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


def _gate(recognizers: Sequence[Any]) -> re.Pattern[str] | None:
    """One regex matching wherever any recognizer's pattern could, or ``None``."""
    sources: list[str] = []
    flags = 0
    for r in recognizers:
        patterns = getattr(r, "patterns", None)
        if type(r).__name__ != "PatternRecognizer" or not patterns:
            return None  # a class of its own may find anything: no gate
        sources.extend(f"(?:{p.regex})" for p in patterns)
        flags |= int(getattr(r, "global_regex_flags", 0) or 0) & (re.I | re.M | re.S)
    try:
        return re.compile("|".join(sources), flags)
    except (re.error, OverflowError, RecursionError):
        return None  # Presidio's ``regex`` syntax beyond ``re``: analyse every text


def load_presidio_detector(specs: Sequence[PresidioSpec]) -> PresidioDetector:
    """Load every spec's recognizers into one :class:`PresidioDetector`.

    Raises:
        RuleError: a file is unreadable or invalid, a recognizer cannot be
            built, or a class cannot be imported (naming the file or class and the
            recognizer).
        ImportError: presidio-analyzer is not installed.
    """
    recognizers: list[Any] = []
    for spec in specs:
        for file in spec.yaml_files:
            recognizers.extend(_from_yaml(file, spec.language))
        for import_path in spec.classes:
            recognizers.append(_from_class(import_path, spec.language))
    return PresidioDetector(recognizers, name="presidio")


def _from_yaml(path: Path, language: str) -> list[Any]:
    import yaml  # beside presidio-analyzer (optional): only when recognizers are loaded
    from presidio_analyzer import PatternRecognizer  # optional: logward[presidio]

    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(source, None, None, f"cannot read ({type(exc).__name__})") from None
    except (yaml.YAMLError, RecursionError):
        raise RuleError(source, None, None, "invalid YAML") from None
    items = data.get("recognizers") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise RuleError(source, None, None, "needs a non-empty 'recognizers' list")
    out: list[Any] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise RuleError(source, f"#{i}", None, "each recognizer must be a mapping")
        name = item.get("name") if isinstance(item.get("name"), str) else f"#{i}"
        if item.get("supported_language", "en") != language:
            continue
        config = dict(item)
        config.pop("score_thresholds", None)
        config.pop("type", None)  # presidio's YAML marks custom recognizers "type: custom"
        if not (config.get("patterns") or config.get("deny_list")):
            raise RuleError(source, name, None, "needs 'patterns' or 'deny_list'")
        try:
            out.append(PatternRecognizer.from_dict(config))
        except Exception as exc:  # presidio raises ValueError, TypeError, re.error, ...
            raise RuleError(source, name, None, _reason(exc)) from None
    return out


def _from_class(path: str, language: str) -> Any:
    from presidio_analyzer import EntityRecognizer  # optional: logward[presidio]

    if not _IMPORT_PATH.fullmatch(path):
        raise RuleError(path, None, None, "must be an import path such as pkg.module:Class")
    module_name, _, class_name = path.replace(":", ".").rpartition(".")
    try:
        cls: Any = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise RuleError(path, class_name, None, f"cannot import ({type(exc).__name__})") from None
    if not (isinstance(cls, type) and issubclass(cls, EntityRecognizer)):
        raise RuleError(path, class_name, None, "is not a presidio EntityRecognizer class")
    factory: Any = cls  # subclasses take their own arguments
    try:
        try:
            return factory(supported_language=language)
        except TypeError:
            return factory()
    except Exception as exc:
        raise RuleError(path, class_name, None, _reason(exc)) from None


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
