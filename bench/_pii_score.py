"""The independent evaluation's scorer, vendored from ``shared/eval/pii_score.py``.

The scoring logic is kept exactly as the held-out evaluation computes it, so bench
figures mean the same thing as its figures. For each labelled span: are all of its
distinctive tokens (alphanumeric, 3+ characters, not elsewhere in the line outside
any span, not a generic web token) gone from the output? One trailing group of at
most 4 digits may survive (last-4 masking). Outside the spans: the share of
distinctive tokens that survive (retention).

Rows are ``{"text": ..., "spans": [{"start", "end", "entity_type"}, ...]}``.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["score", "tokens", "wilson"]

TOKEN = re.compile(r"[A-Za-z0-9]+")
GENERIC = {"com", "net", "org", "edu", "gov", "www", "http", "https", "info", "biz"}


def tokens(s: str) -> list[str]:
    """Distinctive tokens of ``s``: alphanumeric runs of 3+ characters, not generic."""
    return [t for t in TOKEN.findall(s) if len(t) >= 3 and t.lower() not in GENERIC]


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% confidence interval of a proportion (Wilson score)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (round(c - h, 4), round(c + h, 4))


def score(rows: Sequence[dict[str, Any]], outputs: Sequence[str]) -> dict[str, Any]:
    """Per-entity removal rate (with 95% CI), retention and residue examples."""
    per: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    keep = [0, 0]
    residue: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row, out in zip(rows, outputs, strict=True):
        line = row["text"]
        out_tokens = collections.Counter(TOKEN.findall(out))
        covered = [False] * len(line)
        for sp in row["spans"]:
            for k in range(sp["start"], min(sp["end"], len(line))):
                covered[k] = True
        outside = "".join(c if not covered[k] else " " for k, c in enumerate(line))
        outside_tokens = collections.Counter(tokens(outside))
        for sp in row["spans"]:
            val = line[sp["start"] : sp["end"]]
            sig = [t for t in tokens(val) if t not in outside_tokens]
            if not sig:
                continue
            surv = [t for t in sig if out_tokens.get(t)]
            if len(surv) == 1 and surv[0] == sig[-1] and surv[0].isdigit() and len(surv[0]) <= 4:
                surv = []
            et = sp["entity_type"]
            per[et][1] += 1
            if not surv:
                per[et][0] += 1
            elif len(residue[et]) < 5:
                residue[et].append({"value": val, "survived": surv})
        for t, n in outside_tokens.items():
            keep[1] += n
            keep[0] += min(n, out_tokens.get(t, 0))
    return {
        "removed": {
            k: {"rate": round(v[0] / v[1], 4), "n": v[1], "ci95": wilson(v[0], v[1])}
            for k, v in sorted(per.items())
        },
        "retention": round(keep[0] / max(1, keep[1]), 4),
        "residue_examples": residue,
    }
