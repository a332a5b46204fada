"""How often the locator is sure, and how often it is right when it is, on a labelled set.

Usage: python bench/sure_of.py [FILE.jsonl …]   (default: data/eval/emails.jsonl)
Each line: {"id", "text", "stage"} (or "stage_ok": [acceptable stages]). Prints, per file:
exact accuracy, the share of texts not marked `uncertain` (coverage), accuracy on those
(sure-of accuracy), and the expected calibration error of `confidence` (10 bins).
The default set is the project's own realistic e-mails, kept out of training.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def score(path: Path) -> dict[str, float]:
    from buyersync.locate import default_locator

    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    located = default_locator().locate_many([r["text"] for r in rows])
    right = [loc.stage.value in r.get("stage_ok", [r.get("stage")]) for r, loc in zip(rows, located, strict=True)]
    sure = [not loc.uncertain for loc in located]
    n_sure = sum(sure)
    ece = 0.0
    for k in range(10):
        lo, hi = k / 10, (k + 1) / 10
        idx = [i for i, loc in enumerate(located) if lo < loc.confidence <= hi or (k == 0 and loc.confidence == 0)]
        if idx:
            acc = sum(right[i] for i in idx) / len(idx)
            conf = sum(located[i].confidence for i in idx) / len(idx)
            ece += abs(acc - conf) * len(idx) / len(rows)
    return {"n": len(rows), "exact": sum(right) / len(rows), "coverage": n_sure / len(rows),
            "sure_accuracy": sum(r for r, s in zip(right, sure, strict=True) if s) / n_sure if n_sure else 0.0,
            "ece": ece}


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [ROOT / "data" / "eval" / "emails.jsonl"]
    for p in paths:
        f = score(p)
        print(f"{p.name}: {f['n']} texts · exact {f['exact']:.1%} · sure of {f['coverage']:.1%} · "
              f"right on those {f['sure_accuracy']:.1%} · ECE {f['ece']:.1%}")


if __name__ == "__main__":
    main()
