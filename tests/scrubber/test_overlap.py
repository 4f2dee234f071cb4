"""Overlap resolution: one place, higher score wins, and no fragment of a loser survives."""

from __future__ import annotations

from detectors import Finding
from scrubber import Scrubber, resolve_overlaps


def F(entity, start, end, score, detector="t"):
    return Finding(entity, start, end, score, detector)


def test_non_overlapping_findings_are_all_kept_in_order():
    """Disjoint findings pass through, sorted by start."""
    found = [F("B", 10, 12, 0.6), F("A", 0, 3, 0.9)]
    assert [F("A", 0, 3, 0.9), F("B", 10, 12, 0.6)] == resolve_overlaps(found, "x" * 20, 0.5)


def test_below_threshold_and_empty_spans_are_dropped():
    """Findings under the policy threshold or with no width are ignored."""
    found = [F("A", 0, 3, 0.4), F("B", 5, 5, 0.9), F("C", 6, 8, 0.5)]
    assert [F("C", 6, 8, 0.5)] == resolve_overlaps(found, "x" * 10, 0.5)


def test_higher_score_wins_then_longer_span():
    """Across entities the higher score decides; at equal score the longer span."""
    text = "abcdefghij"
    assert [F("A", 0, 4, 0.9)] == resolve_overlaps(
        [F("A", 0, 4, 0.9), F("B", 2, 4, 0.5)], text, 0.1
    )
    assert [F("B", 0, 6, 0.7)] == resolve_overlaps(
        [F("A", 1, 4, 0.7), F("B", 0, 6, 0.7)], text, 0.1
    )


def test_same_entity_overlaps_are_joined():
    """Two overlapping findings of one entity become their union."""
    found = [F("PHONE", 0, 8, 0.6), F("PHONE", 3, 14, 0.8, "other")]
    assert [F("PHONE", 0, 14, 0.8, "other")] == resolve_overlaps(found, "x" * 20, 0.5)


def test_the_part_only_a_loser_covers_is_still_redacted():
    """A losing span reaching past the winner keeps its own, word-trimmed remainder."""
    text = "Recipient=Ana Lopes (ok)"
    winner = F("EMAIL_ADDRESS", 10, 13, 0.9)  # "Ana" via the key=value rule
    loser = F("PERSON", 10, 19, 0.85)  # "Ana Lopes"
    kept = resolve_overlaps([winner, loser], text, 0.5)
    assert [winner, F("PERSON", 14, 19, 0.85)] == kept
    assert "Lopes" == text[14:19]


def test_remainders_that_are_only_punctuation_are_not_replaced():
    """A loser that sticks out by a space or a bracket adds nothing."""
    text = "Dear Ana Lopes, hi"
    winner = F("PERSON", 5, 14, 0.9)
    loser = F("LOCATION", 4, 16, 0.6)  # " Ana Lopes, " with a space and a comma
    assert [winner] == resolve_overlaps([winner, loser], text, 0.5)


def test_single_token_losers_do_not_take_their_remainder():
    """Credentials beat an e-mail look-alike without the host being redacted."""
    text = "postgres://bob:pw@db.example.com/app"
    creds = F("URL_CREDENTIALS", 11, 17, 0.97)
    lookalike = F("EMAIL_ADDRESS", 15, 32, 0.95)
    assert [creds] == resolve_overlaps([creds, lookalike], text, 0.5)


def test_engine_leaves_no_word_of_an_overlapped_name():
    """Through the engine, the overlapped surname is replaced too."""

    class Fixed:
        name = "fixed"

        def __init__(self, findings):
            self._findings = findings

        def detect(self, text):
            return list(self._findings)

    text = "Recipient=Ana Lopes (ok)"
    engine = Scrubber(
        [Fixed([F("EMAIL_ADDRESS", 10, 13, 0.9)]), Fixed([F("PERSON", 10, 19, 0.85)])]
    )
    assert "Recipient=<EMAIL_ADDRESS> <PERSON> (ok)" == engine.scrub_text(text)
