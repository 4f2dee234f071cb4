"""The scrubbers logward is compared with, and logward itself, as ``texts -> texts`` callables.

- ``logward`` / ``logward --ner``: the real CLI as a subprocess (``logward scrub``).
- ``ner tier``: logward's :class:`detectors.SpacyNerDetector` alone, in process.
- ``presidio``: presidio-analyzer's ``BatchAnalyzerEngine`` on an NLP engine built
  on the installed spaCy model, offline (tldextract without suffix-list URLs);
  spans replaced with ``<ENTITY>``.
- ``scrubadub``: ``scrubadub.clean``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "Scrub",
    "cli_available",
    "logward_cli",
    "ner_tier",
    "pin_one_core",
    "presidio_analyzer",
    "replace_spans",
    "scrubadub_clean",
]

Scrub = Callable[[Sequence[str]], list[str]]


def pin_one_core() -> str:
    """Pin this process (and its children) to one CPU; return a note saying which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def _logward_exe() -> str:
    here = Path(sys.executable).with_name("logward")
    return str(here) if here.exists() else (shutil.which("logward") or "logward")


def cli_available() -> bool:
    """Say whether ``logward scrub`` exists in this tree yet."""
    try:
        proc = subprocess.run(
            [_logward_exe(), "scrub", "--help"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def logward_cli(*flags: str) -> Scrub:
    """Return a scrub callable that pipes the lines through ``logward scrub FLAGS``."""

    def scrub(texts: Sequence[str]) -> list[str]:
        data = "".join(t + "\n" for t in texts)
        proc = subprocess.run(
            [_logward_exe(), "scrub", *flags],
            input=data.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=3600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"logward scrub exited {proc.returncode}: {proc.stderr[-500:]!r}")
        out = proc.stdout.decode("utf-8", "replace").split("\n")
        if out and out[-1] == "":
            out.pop()
        if len(out) != len(texts):
            raise RuntimeError(f"logward scrub wrote {len(out)} lines for {len(texts)}")
        return out

    return scrub


def replace_spans(text: str, spans: Sequence[tuple[str, int, int, float]]) -> str:
    """Replace non-overlapping ``(entity, start, end, score)`` spans with ``<ENTITY>``."""
    ordered = sorted(spans, key=lambda s: (-s[3], -(s[2] - s[1]), s[1]))
    kept: list[tuple[str, int, int, float]] = []
    for span in ordered:
        if all(span[2] <= k[1] or span[1] >= k[2] for k in kept):
            kept.append(span)
    for entity, start, end, _ in sorted(kept, key=lambda s: -s[1]):
        text = f"{text[:start]}<{entity}>{text[end:]}"
    return text


def ner_tier(model: str | None = None) -> Scrub:
    """Return a scrub callable using only logward's NER detector (in process)."""
    from detectors import load_ner_detector

    detector = load_ner_detector(model)

    def scrub(texts: Sequence[str]) -> list[str]:
        results = detector.detect_batch(list(texts))
        return [
            replace_spans(t, [(f.entity, f.start, f.end, f.score) for f in found])
            for t, found in zip(texts, results, strict=True)
        ]

    return scrub


def _presidio_engine() -> Any:
    import tldextract
    import tldextract.tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    # Offline: use the suffix snapshot bundled with tldextract, never fetch it.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    from detectors import resolve_ner_model

    name = resolve_ner_model(None)
    module = __import__(name)
    engine: Any = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": name}])
    engine.nlp = {"en": module.load()}
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def presidio_analyzer(batch: bool = True) -> Scrub:
    """Return a presidio scrub callable (``BatchAnalyzerEngine`` or per-line ``analyze``)."""
    from presidio_analyzer import BatchAnalyzerEngine

    analyzer = _presidio_engine()
    batcher = BatchAnalyzerEngine(analyzer_engine=analyzer)

    def scrub(texts: Sequence[str]) -> list[str]:
        if batch:
            results = batcher.analyze_iterator(list(texts), language="en", batch_size=64)
        else:
            results = [analyzer.analyze(text=t, language="en") for t in texts]
        return [
            replace_spans(t, [(r.entity_type, r.start, r.end, r.score) for r in found])
            for t, found in zip(texts, results, strict=True)
        ]

    return scrub


def scrubadub_clean() -> Scrub:
    """Return a scrub callable using ``scrubadub.clean``."""
    import scrubadub

    def scrub(texts: Sequence[str]) -> list[str]:
        return [scrubadub.clean(t) for t in texts]

    return scrub
