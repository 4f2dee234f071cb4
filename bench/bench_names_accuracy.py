"""Names and street addresses on an independent, held-out corpus, beside presidio.

The corpus (:mod:`bench.eval_names`) holds real person names from CoNLL-2003 and
WNUT-17 train/dev sentences, Faker names from the half of Faker's lists that no
detector list holds (28 locales), and Faker addresses in 20 locales' layouts
plus PO boxes and US military addresses, set into log-line shapes. Rows are split
dev/test by a hash of their text; the detectors were tuned on ``dev`` only, and
this reports ``test`` unless ``--split dev``. Scored with
:mod:`bench._pii_score` (the independent evaluation's scorer): per entity, the
share of values with no distinctive token left (95% Wilson interval), the tokens
that survived, and the share of non-PII tokens kept.

``python -m bench names_accuracy`` or ``python -m bench.bench_names_accuracy
[--split dev|test] [--only NAME ...] [--prefilter-check]``. Writes
``bench/results/names_accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import _address_parsers as A
from bench import _baselines as B
from bench._pii_score import score
from bench.eval_names import build

RESULTS = Path(__file__).parent / "results" / "names_accuracy.json"
KINDS = ("real_names", "faker_names", "faker_addresses")


def _scrubbers(only: Sequence[str] | None) -> dict[str, Any]:
    makers: dict[str, Any] = {
        "logward": lambda: B.logward_cli(),
        "logward --ner": lambda: B.logward_cli("--ner"),
        "presidio": B.presidio_analyzer,
        "pyap2 (addresses)": lambda: A.pyap2_scrub,
        "usaddress (addresses)": lambda: A.usaddress_scrub,
    }
    return {k: v for k, v in makers.items() if not only or k in only}


def prefilter_check(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the spaCy model on whole lines with no prefilter; count names it finds that
    logward's NER tier (prefilter and rules included) leaves in the text."""
    from detectors import load_ner_detector, resolve_ner_model

    module = __import__(resolve_ner_model(None))
    nlp = module.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    texts = [r["text"] for r in rows]
    model_only = [
        B.replace_spans(
            t, [("PERSON", e.start_char, e.end_char, 1.0) for e in d.ents if e.label_ == "PERSON"]
        )
        for t, d in zip(texts, nlp.pipe(texts, batch_size=256), strict=True)
    ]
    tier = B.ner_tier()(texts)
    a, b = score(rows, model_only), score(rows, tier)
    lost = 0
    for row, m_out, t_out in zip(rows, model_only, tier, strict=True):
        one = [row]
        if (
            score(one, [m_out])["removed"].get("PERSON", {}).get("rate") == 1.0
            and score(one, [t_out])["removed"].get("PERSON", {}).get("rate", 1.0) < 1.0
        ):
            lost += 1
    _ = load_ner_detector
    return {
        "model_whole_lines": a["removed"].get("PERSON"),
        "ner_tier": b["removed"].get("PERSON"),
        "lines_model_cleared_but_tier_did_not": lost,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_names_accuracy", description=__doc__)
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--only", nargs="*", help="scrubber names to run")
    parser.add_argument("--prefilter-check", action="store_true")
    args = parser.parse_args(argv)
    rows = [r for r in build() if r["split"] == args.split]
    report: dict[str, Any] = {"split": args.split, "rows": len(rows), "results": {}}
    if args.prefilter_check:
        report["prefilter_check"] = prefilter_check(
            [r for r in rows if r["kind"] != "faker_addresses"]
        )
        print(json.dumps(report["prefilter_check"], indent=1), flush=True)
    print(B.pin_one_core(), f"; split {args.split}, {len(rows)} rows", flush=True)
    texts = [r["text"] for r in rows]
    for name, make in _scrubbers(args.only).items():
        scrub = make()
        t0, c0 = time.perf_counter(), time.process_time()
        outputs = scrub(texts)
        seconds = time.perf_counter() - t0
        per_kind = {}
        for kind in KINDS:
            idx = [i for i, r in enumerate(rows) if r["kind"] == kind]
            per_kind[kind] = score([rows[i] for i in idx], [outputs[i] for i in idx])
        overall = score(rows, outputs)
        report["results"][name] = {
            "per_kind": per_kind,
            "overall": overall,
            "seconds_wall": round(seconds, 2),
            "cpu_in_process": round(time.process_time() - c0, 2),
        }
        print(f"{name}: {seconds:.1f}s wall", flush=True)
    _print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def _print(report: dict[str, Any]) -> None:
    names = list(report["results"])
    print(f"{'':34}" + "".join(f"{n:>30}" for n in names))
    for kind in KINDS:
        for entity in ("PERSON", "STREET_ADDRESS"):
            cells = []
            for n in names:
                got = report["results"][n]["per_kind"][kind]["removed"].get(entity)
                cells.append("" if got is None else f"{got['rate']:.3f} {got['ci95']} n={got['n']}")
            if any(cells):
                print(f"{kind + ' ' + entity:34}" + "".join(f"{c:>30}" for c in cells))
    print(
        f"{'non-PII tokens kept':34}"
        + "".join(f"{report['results'][n]['overall']['retention']:>30}" for n in names)
    )
    print(
        f"{'seconds (wall, loaded machine)':34}"
        + "".join(f"{report['results'][n]['seconds_wall']:>30}" for n in names)
    )
    for n in names:
        for kind in KINDS:
            for entity, examples in report["results"][n]["per_kind"][kind][
                "residue_examples"
            ].items():
                print(
                    f"  {n} / {kind} / {entity} survived:",
                    "; ".join(f"{e['value']!r}->{e['survived']}" for e in examples[:3]),
                )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
