"""Golden tests, one folder per shipped rule (CrowdSec-hub style).

Each ``golden/<rule>/`` holds ``input.log`` (annotated: ``#`` lines say what
should happen and are skipped by the parsers), ``golden.yaml`` (format and
year for year-less syslog lines) and ``expected.json``: exactly the alerts the
rule must raise when the input is replayed through ALL shipped rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from logward_base.paths import rules_dir
from monitor import DetectionEngine, load_rules, replay_file
from monitor.parsers import get_parser

GOLDEN = Path(__file__).parent / "golden"
FOLDERS = sorted(p.name for p in GOLDEN.iterdir() if (p / "golden.yaml").is_file())


def test_every_shipped_rule_has_a_golden_folder():
    """No shipped rule is without a golden test, and no folder is orphaned."""
    assert sorted(r.name for r in load_rules(rules_dir())) == FOLDERS


def project(doc: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k in keep}


@pytest.mark.parametrize("rule", FOLDERS)
def test_golden(rule):
    """Replaying the folder's input through all rules raises exactly the expected alerts."""
    folder = GOLDEN / rule
    meta = yaml.safe_load((folder / "golden.yaml").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    parser = get_parser(meta["format"], year_rule=meta["year"])
    engine = DetectionEngine(load_rules(rules_dir()))
    alerts: list[dict[str, Any]] = []
    for line, number, name in replay_file(folder / "input.log"):
        event = parser.parse(line, number, name)
        if event is not None:
            alerts.extend(a.to_json() for a in engine.process(event))
    got = [a for a in alerts if a["rule"] == rule]
    assert expected == [project(a, set(e)) for a, e in zip(got, expected, strict=False)]
    assert len(expected) == len(got)
