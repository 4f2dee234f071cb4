"""rules/names/: the no-model PERSON tier's settings, loaded strictly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import scrubber
from logward_base.errors import RuleError
from logward_base.paths import rules_dir


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the shipped rules directory to edit."""
    target = tmp_path / "rules"
    shutil.copytree(rules_dir(), target)
    return target


def _set(rules: Path, old: str, new: str) -> Path:
    file = rules / "names" / "person_names.yaml"
    text = file.read_text("utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), "utf-8")
    return file


def test_shipped_rule_is_on_by_default() -> None:
    """The shipped rules scrub a person's name without the NER tier."""
    assert "shipped to <PERSON>" == scrubber.load_scrubber().scrub_text("shipped to John Smith")


def test_disabled_rule_leaves_names(rules: Path) -> None:
    """enabled: false switches the name tier off."""
    _set(rules, "enabled: true", "enabled: false")
    engine = scrubber.load_scrubber(rules)
    assert "shipped to John Smith" == engine.scrub_text("shipped to John Smith")


def test_unknown_field_names_file_rule_and_field(rules: Path) -> None:
    """An unknown key is an error naming the file, the rule and the field."""
    file = _set(rules, "enabled: true", "enabled: true\nsurname_lists: []")
    with pytest.raises(RuleError) as info:
        scrubber.load_scrubber(rules)
    assert (str(file), "person_names", "surname_lists") == (
        info.value.file,
        info.value.rule,
        info.value.field,
    )


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("score: 0.7", "score: 2", "score"),
        ("subject_is_person: true", "subject_is_person: yes please", "subject_is_person"),
        ("given_names: []", "given_names: [1, 2]", "given_names"),
        ("given_name_files: []", "given_name_files: [missing.txt]", "given_name_files[0]"),
    ],
)
def test_bad_values_name_the_field(rules: Path, old: str, new: str, field: str) -> None:
    """Wrong types, out-of-range scores and unreadable word files name their field."""
    _set(rules, old, new)
    with pytest.raises(RuleError) as info:
        scrubber.load_scrubber(rules)
    assert field == info.value.field


def test_user_lists_and_context_words_are_used(rules: Path) -> None:
    """Names and context words added in YAML and word files are used without code."""
    (rules / "names" / "crew.txt").write_text("# crew\nQxyrth\n", "utf-8")
    _set(rules, "given_name_files: []", "given_name_files: [crew.txt]")
    _set(rules, "context_words: [", "context_words: [skipper, ")
    engine = scrubber.load_scrubber(rules)
    assert "ping <PERSON> now" == engine.scrub_text("ping Qxyrth Vobble now")
    assert "skipper: <PERSON>" == engine.scrub_text("skipper: Zindra Quell")
