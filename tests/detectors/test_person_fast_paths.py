"""The name tier's fast paths (title look-back, capitals looked for from the first
pair on, verdict tuples, made-once findings) give what the plain regex scans gave:
expectations recorded from the build before them."""

from __future__ import annotations

import pytest

from detectors import PersonNameDetector

# (text, the names found), recorded from the regex-only build; tricky inputs:
# titles with dots, tabs, non-ASCII letters that case-fold to ASCII ("Mr\u017f"),
# a title word reaching the 12-character look-back's start, names in capitals,
# lone surnames, names that are common words, non-ASCII names.
CASES = [
    ("ticket closed by Mr. John Smith today", ["Mr. John Smith"]),
    ("ticket closed by mr John Smith today", ["mr John Smith"]),
    ("ticket closed by MRS.. John Smith today", ["MRS.. John Smith"]),
    ("ticket closed by x.Mr John Smith today", ["John Smith"]),
    ("ticket closed by re-Mr John Smith today", ["John Smith"]),
    ("ticket closed by Mr\u017f John Smith today", ["Mr\u017f John Smith"]),
    ("ticket closed by Dottssa.  Maria Rossi today", ["Dottssa", "Dottssa.  Maria Rossi"]),
    ("Mr\tJohn Smith", ["Mr\tJohn Smith"]),
    ("Sir John Smith", ["Sir John Smith"]),
    (
        "handled by Herr Jürgen Müller and Frau Anna Schmidt",
        ["Herr Jürgen Müller", "Frau Anna Schmidt"],
    ),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaMr John Smith", ["John Smith"]),
    ("caller=Dr. Olivia Lakes Apt 4", ["Dr. Olivia Lakes Apt"]),
    ("JOHN SMITH FLAGGED FOR REVIEW", ["JOHN SMITH"]),
    ("holder ANATOL NEUREUTHER declined", ["ANATOL NEUREUTHER"]),
    ("ERROR WARN John Smith", ["John Smith"]),
    ("CARD HOLDER JOHN SMITH, then Smith called back; Smith-Jones too", ["Smith", "Smith-Jones"]),
    ("Maria Kovács opened it and Kovács closed it", ["Maria Kovács", "Kovács"]),
    ("Will Smith met Grace Hopper; May Green left", ["Grace Hopper"]),
    ("Ludwig van Beethoven and Jean-Pierre Rampal", ["Ludwig van Beethoven", "Jean-Pierre Rampal"]),
    ("Žofie Šimková\tBratislava", ["Žofie Šimková\tBratislava"]),
    ("ÉRIC DESCHAMPS paid", []),
    ("O'Neill Smith, Jr. said hi", []),
    ("Dr Ángela Núñez", ["Dr Ángela Núñez"]),
    ("by xDottssa.... John Smith", ["John Smith"]),
    ("by Dottssa.... John Smith", ["Dottssa", "Dottssa.... John Smith"]),
    ("by -Dottssa.... John Smith", ["John Smith"]),
    ("Dottssa.... John Smith", ["Dottssa.... John Smith"]),
    ("NAME:\tJOHN\t\tSMITH", ["JOHN\t\tSMITH"]),
    ("see A JOHN SMITH", ["JOHN SMITH"]),
    ("MR JOHN SMITH", ["JOHN SMITH"]),
    ("JOHN SMITH paid Mary Jones", ["JOHN SMITH", "Mary Jones"]),
    ("Mary Jones paid JOHN SMITH", ["Mary Jones", "JOHN SMITH"]),
    ("ref ABC DEF then JOHN SMITH", ["JOHN SMITH"]),
    ("ERROR: JOHN SMITH", ["JOHN SMITH"]),
    ("user: Zindra and JOHN SMITH", ["Zindra", "JOHN SMITH"]),
    ("Sarah says JOHN SMITH", ["Sarah", "JOHN SMITH"]),
    ("Prime Minister Benjamin Netanyahu said", ["Benjamin Netanyahu"]),
    ("Failed John Smith login", ["John Smith"]),
    ("General Anatoly Shkirko", ["Anatoly Shkirko"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_fast_paths_find_what_the_regex_scans_found(text: str, expected: list[str]) -> None:
    """Each case finds exactly the names the regex-only build found."""
    detector = PersonNameDetector()
    assert expected == [text[f.start : f.end] for f in detector.detect(text)]


def test_remembered_findings_equal_fresh_ones() -> None:
    """A second call (findings and verdicts reused) returns what the first returned."""
    detector = PersonNameDetector()
    texts = [t for t, _ in CASES]
    first = [detector.detect(t) for t in texts]
    assert first == [detector.detect(t) for t in texts]
    detector.clear_cache()
    assert first == [detector.detect(t) for t in texts]
