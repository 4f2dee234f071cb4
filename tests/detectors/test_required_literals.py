"""required_literals: every match of a regex holds one of its literals (lowercased text)."""

from __future__ import annotations

import random
import re

import pytest

from detectors import required_literals

PRESIDIO_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL  # Presidio's global_regex_flags


@pytest.mark.parametrize(
    ("pattern", "flags", "literals"),
    [
        (r"\bEMP-\d{6}\b", PRESIDIO_FLAGS, ("emp-",)),
        (r"(?:^|(?<=\W))(Bluebird|Nightjar)(?:(?=\W)|$)", PRESIDIO_FLAGS, ("blueb", "ghtjar")),
        (r"\bEMP-\d{6}\b", 0, ("emp-",)),  # case-sensitive: found in the lowercased text too
        (r"(?i)sms", 0, ("m",)),  # no i or s under IGNORECASE (see below)
        (r"Kunde", re.IGNORECASE, ("kunde",)),  # the Kelvin sign lowercases to k
        (r"(abc|abd)x", 0, ("ab",)),
        (r"(?:foo)+bar", 0, ("bar", "foo")[1:]),
        (r"a?b", 0, ("b",)),
        (r"x|\d+", 0, ()),  # a branch that needs nothing: nothing is known
        (r"\d{5}", 0, ()),
        (r"(?:ab)?cd|ef", 0, ("cd", "ef")),
        (r"Überweisung", 0, ("berweisung",)),
    ],
)
def test_required_literals_of_patterns(pattern: str, flags: int, literals: tuple[str, ...]) -> None:
    assert literals == required_literals(re.compile(pattern, flags))


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        (r"\bEMP-\d{6}\b", PRESIDIO_FLAGS),
        (r"(?:^|(?<=\W))(Bluebird|Nightjar|Kis)(?:(?=\W)|$)", PRESIDIO_FLAGS),
        (r"(?i)sk[a-z]?y", 0),
        (r"ab+c(?=d)|x[yz]{2}k", 0),
        (r"(?i:ik)s", 0),
        ("\u03a3\u03c3|K\u0130S", re.IGNORECASE),
    ],
)
def test_every_match_holds_a_literal_on_random_texts(pattern: str, flags: int) -> None:
    """Soundness on texts built from the pattern's own characters and their case
    partners (long s, dotless i, dotted capital I, the Kelvin sign, final sigma)."""
    compiled = re.compile(pattern, flags)
    literals = required_literals(compiled)
    alphabet = "abcdkxyzEMPKISsi\u017f\u0131\u0130\u212a\u03a3\u03c3\u03c2-0123456789 "
    rng = random.Random(pattern)
    matched = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        if rng.random() < 0.3:
            text += rng.choice(["EMP-123456", "bluebird", "NIGHTJAR", "Kis", "sKy", "abbcd", "IKs"])
        if compiled.search(text) is None:
            continue
        matched += 1
        if literals:
            lowered = text.lower()
            assert any(literal in lowered for literal in literals), (pattern, text)
    assert matched > 50
