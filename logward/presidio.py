"""logward's detectors inside presidio-analyzer: :class:`LogwardRecognizer`.

An ``AnalyzerEngine`` user adds logward's pattern tier (validated cards with
issuer tables and Luhn, IBANs with mod-97, phones, secrets, key-value rules, ...)
with one registry line::

    from presidio_analyzer import AnalyzerEngine
    from logward.presidio import LogwardRecognizer

    analyzer = AnalyzerEngine()
    analyzer.registry.add_recognizer(LogwardRecognizer())

Entity names are logward's, which follow Presidio's where both have the entity
(``EMAIL_ADDRESS``, ``PHONE_NUMBER``, ``CREDIT_CARD``, ``IBAN_CODE``,
``IP_ADDRESS``, ``US_SSN``, ``UK_NINO``, ``PERSON``); see :data:`ENTITY_MAP` for
the rest. Results carry logward's score and name the logward rule that found them
in their explanation.

Needs ``logward[presidio]`` (presidio-analyzer); imported only from this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

import scrubber
from scrubber import Scrubber

__all__ = ["ENTITY_MAP", "LogwardRecognizer"]

_NAME = "LogwardRecognizer"

# logward entity -> the Presidio entity a Presidio user would expect. Entities not
# listed keep their logward name in both directions.
ENTITY_MAP: Mapping[str, str] = MappingProxyType(
    {
        "STREET_ADDRESS": "LOCATION",
        "UK_POSTCODE": "LOCATION",
    }
)


class LogwardRecognizer(EntityRecognizer):
    """A presidio-analyzer recognizer that runs logward's detectors.

    Args:
        scrubber: the logward engine to run (default: the shipped rules, pattern tier).
        supported_entities: limit to these entities (Presidio names); default: all
            the engine's detectors can return.
        supported_language: the language this recognizer answers for.
        entity_map: logward → Presidio entity names (default :data:`ENTITY_MAP`).
    """

    def __init__(
        self,
        scrubber: Scrubber | None = None,
        supported_entities: Sequence[str] | None = None,
        supported_language: str = "en",
        entity_map: Mapping[str, str] = ENTITY_MAP,
    ) -> None:
        self._engine = scrubber if scrubber is not None else _shipped()
        self._map = dict(entity_map)
        entities = (
            list(supported_entities) if supported_entities else _entities(self._engine, self._map)
        )
        super().__init__(
            supported_entities=entities,
            name=_NAME,
            supported_language=supported_language,
            version="1",
        )

    def load(self) -> None:
        """Nothing to load: the engine was built in the constructor."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Return logward's findings in ``text`` for the requested ``entities``."""
        wanted = set(entities or self.supported_entities)
        results: list[RecognizerResult] = []
        for finding in self._engine.find(text):
            entity = self._map.get(finding.entity, finding.entity)
            if entity not in wanted:
                continue
            explanation = AnalysisExplanation(
                recognizer=_NAME,
                original_score=finding.score,
                pattern_name=finding.detector,
                textual_explanation=f"logward rule {finding.detector}",
            )
            results.append(
                RecognizerResult(
                    entity_type=entity,
                    start=finding.start,
                    end=finding.end,
                    score=finding.score,
                    analysis_explanation=explanation,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: _NAME,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return results


def _shipped() -> Scrubber:
    return scrubber.load_scrubber()


def _entities(engine: Scrubber, entity_map: Mapping[str, str]) -> list[str]:
    found: set[str] = set()
    for detector in engine.detectors:
        for attr in ("entity", "entities"):
            value = getattr(detector, attr, None)
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, tuple | list | frozenset | set):
                found.update(v for v in value if isinstance(v, str))
        for member in getattr(detector, "members", ()) or ():
            entity = getattr(member, "entity", None)
            if isinstance(entity, str):
                found.add(entity)
    found.update(engine.key_matcher.entities)
    return sorted({entity_map.get(e, e) for e in found})
