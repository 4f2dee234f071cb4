"""The one scrubbing engine. Every adapter (logging filter, structlog processor,
CLI, stream sidecar, monitor) calls ``Scrubber.scrub_text`` / ``scrub_mapping``.

CONTRACT (other modules are written against it; keep these signatures):

    class Scrubber:
        stats: RedactionStats
        def scrub_text(self, text: str, counts: Counter[str] | None = None) -> str
        def scrub_texts(self, texts: Sequence[str], counts: ... = None) -> list[str]
        def scrub_mapping(self, data: Mapping[str, Any], counts: ... = None) -> dict[str, Any]
        def scrub_value(self, value: Any, key: str | None = None, counts: ... = None) -> Any
        def scrub_text_counted(self, text: str) -> tuple[str, Counter[str] | None]

    - ``counts`` (optional) accumulates redactions per entity for this call only
      (the sidecar puts them in a header); ``stats`` accumulates for the process.
    - Never raises on data: on any internal error the affected text becomes
      ``FAILED_PLACEHOLDER`` and ``stats`` counts a failure (fail closed).

Overlapping findings are resolved here and only here: the higher score wins,
then the longer span; replacements are applied in one right-to-left pass.
Texts longer than ``CHUNK_CHARS`` are scanned in overlapping chunks so the work
per line stays linear however long the line is.

Speed: a text is first checked, in C, for what each detector needs (the
literals of literal-gated rules, the prefilter of the others), and only the
detectors that can find something are called; most log lines need two or three.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from mypy_extensions import mypyc_attr

from detectors import BatchDetector, Detector, Finding, KeyNameMatcher
from logward_base.errors import ConfigError
from scrubber._decode import encoded_findings, maybe_encoded
from scrubber._fold import fold_for_detection
from scrubber._gate import DetectorGate
from scrubber._overlap import resolve_overlaps
from scrubber._placeholders import DEPTH_PLACEHOLDER, FAILED_PLACEHOLDER
from scrubber._policy import ScrubPolicy
from scrubber._stats import RedactionStats
from scrubber._structured import StructuredScrubber

__all__ = [
    "CHUNK_CHARS",
    "CHUNK_OVERLAP",
    "DEPTH_PLACEHOLDER",
    "FAILED_PLACEHOLDER",
    "RedactionStats",
    "Scrubber",
]

_SPACE = re.compile(r"\s")
# Texts longer than this are scanned in chunks overlapping by CHUNK_OVERLAP, so a
# value up to CHUNK_OVERLAP characters long (e.g. a PEM key) is never cut in two.
CHUNK_CHARS = 64 * 1024
CHUNK_OVERLAP = 8 * 1024
# Texts up to this long found clean are remembered in two generations of at most
# _CLEAN_LIMIT texts each (when the young one is full it becomes the old one and
# the older is forgotten; a text found in the old one moves back to the young):
# logs repeat their levels, logger and service names and fixed messages, which
# then cost one set lookup, and a turnover does not forget all of them at once.
# At most 2 * _CLEAN_LIMIT texts of at most _CLEAN_CHARS characters are held
# (about 2.5 MB at worst, ASCII). Only texts in which nothing was found are kept,
# so the memory holds no PII the detectors know of.
_CLEAN_CHARS = 256
_CLEAN_LIMIT = 4096
_new_counter = Counter.__new__  # an empty Counter without Counter.__init__'s Python-level update()


@mypyc_attr(allow_interpreted_subclasses=True)
class Scrubber:
    """Detects PII with ``detectors`` and replaces each finding per the policy.

    Args:
        detectors: pattern/key-value detectors and any batch (NER) detectors.
        policy: operators, threshold and depth limit; default: typed placeholders.
        key_matcher: decides which mapping keys hold PII; default: none do.
        chunk_chars: longest text scanned in one piece.
        chunk_overlap: overlap of consecutive chunks.
    """

    def __init__(
        self,
        detectors: Sequence[Detector],
        *,
        policy: ScrubPolicy | None = None,
        key_matcher: KeyNameMatcher | None = None,
        chunk_chars: int = CHUNK_CHARS,
        chunk_overlap: int = CHUNK_OVERLAP,
    ) -> None:
        if not 0 <= chunk_overlap < chunk_chars:
            raise ConfigError("chunk_overlap must be smaller than chunk_chars")
        self._detectors = tuple(detectors)
        self._batch = tuple(d for d in self._detectors if isinstance(d, BatchDetector))
        self._plain = tuple(d for d in self._detectors if not isinstance(d, BatchDetector))
        # Which plain detectors can find anything in a text (most log lines need two or three).
        gate = DetectorGate(self._plain)
        self._active = gate.active
        # what the gate selects for every text of ASCII digits only, if known in advance
        self._digits_active = gate.digits_active
        self.policy = policy or ScrubPolicy()
        self.key_matcher = key_matcher or KeyNameMatcher({})
        self._chunk = chunk_chars
        self._step = chunk_chars - chunk_overlap
        self.stats = RedactionStats()
        self._structured = StructuredScrubber(self)
        self._clean: set[str] = set()
        self._clean_old: set[str] = set()
        self._clean_policy: ScrubPolicy | None = None  # the policy _clean was found under

    @property
    def detectors(self) -> tuple[Detector, ...]:
        """All detectors, in order."""
        return self._detectors

    # -- text -----------------------------------------------------------------

    def find(self, text: str) -> list[Finding]:
        """Return the findings that would be redacted in ``text``, by start offset.

        Raises:
            Exception: whatever a detector raises (``scrub_text`` fails closed instead).
        """
        found = self._raw_findings(text, self._plain)
        probe = fold_for_detection(text)
        for detector in self._batch:
            found.extend(detector.detect(probe))
        return self._resolve(found, text)

    def find_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Return the findings of each text; batch detectors (NER) see the whole batch.

        Raises:
            Exception: whatever a detector raises (``scrub_texts`` fails closed instead).
        """
        if not self._batch:
            return [self.find(t) for t in texts]
        extra = self._batch_findings(list(texts))
        out: list[list[Finding]] = []
        for text, more in zip(texts, extra, strict=True):
            if more is None:
                raise RuntimeError("batch detector failed on this text")
            found = self._raw_findings(text, self._plain)
            found.extend(more)
            out.append(self._resolve(found, text))
        return out

    def scrub_text(self, text: Any, counts: Counter[str] | None = None) -> str:
        """Return ``text`` with every finding replaced; never raises on data."""
        result, local = self.scrub_text_counted(text)
        if local is not None:
            self._count(local, counts)
        return result

    def scrub_text_counted(self, text: Any) -> tuple[str, Counter[str] | None]:
        """Like :meth:`scrub_text`, also returning this text's redactions per entity.

        The counts are ``None`` when nothing was redacted (no allocation on the
        common path); ``stats`` is *not* updated: the caller does that (or adds
        them with :meth:`scrub_text`'s ``counts``), which lets adapters cache both.
        On an internal error the result is ``FAILED_PLACEHOLDER``, a failure is
        counted in ``stats``, and the counts are ``None``.
        """
        if isinstance(text, str):
            return self._scrub_str(text)
        try:
            value = _as_text(text)
        except Exception:
            self.stats.add_failure()
            return FAILED_PLACEHOLDER, None
        return self._scrub_str(value)

    def _scrub_str(self, text: str) -> tuple[str, Counter[str] | None]:
        try:
            if not text:
                return text, None
            if self._batch or len(text) > self._chunk:
                kept = self.find(text)
            else:
                short = len(text) <= _CLEAN_CHARS
                if short:
                    if self._clean_policy is not self.policy:
                        self._clean = set()
                        self._clean_old = set()
                        self._clean_policy = self.policy
                    if text in self._clean:
                        return text, None
                    if text in self._clean_old:
                        self._remember_clean(text)  # still in use: kept past the next turnover
                        return text, None
                digits = self._digits_active
                if digits is not None and text.isdigit() and text.isascii():
                    # ASCII digits only (an id logged as an extra): the gate's selection
                    # is known in advance, and nothing is encoded (every encoded form
                    # needs another character); ASCII needs no folding
                    found = [f for d in digits for f in d.detect(text)]
                    encoded = False
                else:
                    probe = fold_for_detection(text)
                    found = [f for d in self._active(probe) for f in d.detect(probe)]
                    encoded = maybe_encoded(text)
                if not found and not encoded:
                    if short:
                        self._remember_clean(text)
                    return text, None
                kept = self._resolve(found, text, encoded)
                if not kept and short:
                    self._remember_clean(text)
            if not kept:
                return text, None
            counts: Counter[str] = _new_counter(Counter)
            return self._apply(text, kept, counts), counts
        except Exception:
            self.stats.add_failure()
            return FAILED_PLACEHOLDER, None

    def scrub_texts(self, texts: Sequence[str], counts: Counter[str] | None = None) -> list[str]:
        """Scrub a batch; batch detectors (NER) see the whole batch at once."""
        if not self._batch:
            # One stats update per batch (one lock), not per text: same totals.
            scrub = self.scrub_text_counted
            out_plain: list[str] = []
            total: Counter[str] = Counter()
            for text in texts:
                result, text_counts = scrub(text)
                out_plain.append(result)
                if text_counts is not None:
                    for entity, count in text_counts.items():
                        total[entity] += count
            self._count(total, counts)
            return out_plain
        prepared: list[str | None] = []
        for text in texts:
            try:
                prepared.append(text if isinstance(text, str) else _as_text(text))
            except Exception:
                prepared.append(None)
        valid = [t for t in prepared if t is not None]
        batch_found = self._batch_findings(valid)
        out: list[str] = []
        index = 0
        for item in prepared:
            if item is None:
                self.stats.add_failure()
                out.append(FAILED_PLACEHOLDER)
                continue
            extra = batch_found[index]
            index += 1
            try:
                if extra is None:
                    raise RuntimeError("batch detector failed on this text")
                found = self._raw_findings(item, self._plain)
                found.extend(extra)
                local: Counter[str] = Counter()
                result = self._apply(item, self._resolve(found, item), local)
            except Exception:
                self.stats.add_failure()
                out.append(FAILED_PLACEHOLDER)
                continue
            self._count(local, counts)
            out.append(result)
        return out

    # -- structured data ------------------------------------------------------

    def scrub_mapping(
        self, data: Mapping[str, Any], counts: Counter[str] | None = None
    ) -> dict[str, Any]:
        """Return a scrubbed copy of ``data`` (recursively); never raises on data.

        Values under PII key names are redacted whatever they hold; keys that
        contain PII are scrubbed too; content nested deeper than the policy's
        ``max_depth`` becomes ``DEPTH_PLACEHOLDER``.
        """
        return self._structured.mapping(data, counts)

    def scrub_value(
        self, value: Any, key: str | None = None, counts: Counter[str] | None = None
    ) -> Any:
        """Return a scrubbed copy of any value, as if it were stored under ``key``."""
        return self._structured.value(value, key, counts)

    # -- internals ------------------------------------------------------------

    def _remember_clean(self, text: str) -> None:
        clean = self._clean
        if len(clean) >= _CLEAN_LIMIT:
            # the young generation becomes the old one; attribute writes are atomic,
            # and a thread that reads a stale set at worst scans a text again
            self._clean_old = clean
            clean = self._clean = set()
        clean.add(text)

    def _count(self, local: Counter[str], counts: Counter[str] | None) -> None:
        if local:
            self.stats.add(local)
            if counts is not None:
                for entity, count in local.items():
                    counts[entity] += count

    def _raw_findings(self, text: str, detectors: Sequence[Detector]) -> list[Finding]:
        text = fold_for_detection(text)  # same length: offsets hold for the original
        if detectors is self._plain:
            detectors = self._active(text)
        if len(text) <= self._chunk:
            return [f for d in detectors for f in d.detect(text)]
        found: list[Finding] = []
        space_at = -1  # the first whitespace at or after the last position looked from
        for offset in range(0, len(text), self._step):
            chunk = text[offset : offset + self._chunk]
            last = offset + self._chunk >= len(text)
            for d in detectors:
                for f in d.detect(chunk):
                    end = f.end + offset
                    if not last and f.end == len(chunk):
                        # A value reaching the chunk's end may go on (a long token
                        # after its key): the next chunk cannot tell, so it is
                        # redacted up to the next whitespace (fail closed).
                        if space_at < end:
                            space = _SPACE.search(text, end)
                            space_at = len(text) if space is None else space.start()
                        end = space_at
                    found.append(Finding(f.entity, f.start + offset, end, f.score, f.detector))
            if last:
                break
        return found

    def _batch_findings(self, texts: list[str]) -> list[list[Finding] | None]:
        texts = [fold_for_detection(t) for t in texts]
        merged: list[list[Finding] | None] = [[] for _ in texts]
        for detector in self._batch:
            try:
                results: list[list[Finding] | None] = list(detector.detect_batch(texts))
                if len(results) != len(texts):
                    raise RuntimeError("batch detector returned the wrong number of results")
            except Exception:
                results = []
                for text in texts:
                    try:
                        results.append(list(detector.detect(text)))
                    except Exception:
                        results.append(None)
            for i, found in enumerate(results):
                current = merged[i]
                if found is None or current is None:
                    merged[i] = None
                else:
                    current.extend(found)
        return merged

    def _resolve(
        self, found: list[Finding], text: str, encoded: bool | None = None
    ) -> list[Finding]:
        """Resolve ``found``; ``encoded`` is ``maybe_encoded(text)`` when known."""
        if encoded is None:
            encoded = maybe_encoded(text)
        if encoded:
            # Decode before detecting (percent, +, entities, \u, Basic credentials);
            # a finding in a decoded token redacts the whole encoded token.
            found = found + encoded_findings(text, self._decoded_detect)
        return resolve_overlaps(found, text, self.policy.threshold)

    def _decoded_detect(self, view: str) -> list[Finding]:
        if len(view) > self._chunk:
            return self._raw_findings(view, self._plain)
        probe = fold_for_detection(view)
        return [f for d in self._active(probe) for f in d.detect(probe)]

    def _apply(self, text: str, kept: list[Finding], local: Counter[str]) -> str:
        """Replace ``kept`` in ``text``, counting them in ``local`` (right to left)."""
        if not kept:
            return text
        operator_for = self.policy.operator_for
        get = local.get  # no Counter.__missing__ call per entity
        if len(kept) == 1:  # the usual case: no list of pieces
            f = kept[0]
            entity = f.entity
            start = f.start
            stop = f.end
            local[entity] = get(entity, 0) + 1
            return "".join(
                (text[:start], operator_for(entity)(entity, text[start:stop]), text[stop:])
            )
        pieces: list[str] = []
        end = len(text)
        for f in reversed(kept):
            entity = f.entity
            start = f.start
            stop = f.end
            pieces.append(text[stop:end])
            pieces.append(operator_for(entity)(entity, text[start:stop]))
            local[entity] = get(entity, 0) + 1
            end = start
        pieces.append(text[:end])
        return "".join(reversed(pieces))


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)
