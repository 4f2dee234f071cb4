"""Score the parsers against fail2ban's annotated filter test logs.

The logs in ``golden/fail2ban/`` are copied unchanged from fail2ban's
``fail2ban/tests/files/logs`` (see ``golden/fail2ban/README.md``). Each
``# failJSON: {...}`` comment annotates the next line: ``match`` (is it a
failure?) and ``host`` (from which address?). ``# filterOptions:`` starts a
section that fail2ban's own harness runs once per option set (``mode``).

The question per line and option set: does our parser, in the same mode,
report an ``outcome == "failure"`` event exactly when fail2ban's filter
matches, and from the same address (``source.ip`` or ``source.domain``)?
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.parsers import get_parser

FAIL2BAN = Path(__file__).parent / "golden" / "fail2ban"
# Our format for each fail2ban test log, and fail2ban mode -> our mode.
FILES = {
    "sshd": "sshd",
    "sshd-journal": "sshd",
    "nginx-http-auth": "nginx-error",
    "apache-auth": "apache-error",
}
_MODES = {"auth": "normal"}


@dataclass
class Score:
    """Agreement counters for one format."""

    agree: int = 0
    total: int = 0
    lines_agree: int = 0
    lines_total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Agreement per (line, option set), as fail2ban's harness runs them."""
        return self.agree / self.total if self.total else 0.0

    @property
    def line_ratio(self) -> float:
        """Agreement per distinct annotated line (it must agree in every option set)."""
        return self.lines_agree / self.lines_total if self.lines_total else 0.0


def _sections(path: Path) -> list[tuple[list[dict[str, Any]], list[tuple[int, str, Any]]]]:
    """Split a test log into (option sets, [(line_no, line, failJSON or None)])."""
    sections: list[tuple[list[dict[str, Any]], list[tuple[int, str, Any]]]] = [([{}], [])]
    pending: Any = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.startswith("# filterOptions:"):
            opts = json.loads(raw[len("# filterOptions:") :])
            sections.append((opts if isinstance(opts, list) else [opts], []))
        elif raw.startswith("# failJSON:"):
            pending = json.loads(raw[len("# failJSON:") :])
        elif raw.startswith("#") or not raw.strip():
            continue
        else:
            sections[-1][1].append((number, raw, pending))
            pending = None
    return [s for s in sections if s[1]]


def _applies(expect: dict[str, Any], opts: dict[str, Any]) -> bool:
    constraint = expect.get("constraint")
    if not constraint:
        return True
    return bool(eval(constraint, {}, {"name": "sshd", "opts": opts}))  # noqa: S307 - test data


def score(name: str, into: Score | None = None) -> Score:
    """Score our parser on fail2ban's test log ``name`` (a key of :data:`FILES`)."""
    result = into or Score()
    per_line: dict[int, bool] = {}
    for option_sets, lines in _sections(FAIL2BAN / name):
        for opts in option_sets:
            mode = opts.get("mode")
            mode = _MODES.get(mode, mode) if mode else "normal"
            parser = get_parser(FILES[name], year_rule=2005, mode=mode)
            for number, line, expect in lines:
                event = parser.parse(line, number, name)
                if expect is None or not _applies(expect, opts):
                    continue
                failed = event is not None and event.outcome == "failure"
                ok = failed == bool(expect.get("match"))
                if ok and failed and "host" in expect:
                    got = event.source_ip or event.source_domain  # type: ignore[union-attr]
                    ok = got is not None and got.lower() == str(expect["host"]).lower()
                result.total += 1
                result.agree += ok
                per_line[number] = per_line.get(number, True) and ok
                if not ok:
                    got_text = event.to_ecs() if event is not None else None
                    result.misses.append(f"{name}:{number} mode={mode} {expect} got {got_text}")
    result.lines_total += len(per_line)
    result.lines_agree += sum(per_line.values())
    return result


def score_format(fmt: str) -> Score:
    """Score one of our formats over every fail2ban test log that specifies it."""
    result = Score()
    for name, target in FILES.items():
        if target == fmt:
            score(name, result)
    return result
