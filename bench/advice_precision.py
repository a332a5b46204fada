"""Each warning's precision and recall on labelled deals, plus position and channel accuracy.

Usage: python bench/advice_precision.py
Labelled sets: tests/data/advice (complete labels in expect.json) and, when present beside the
clone, ../shared/corpus/{deals,cases} (partial labels: `warnings_required` count as true,
`warnings_forbidden` as false, any other code fired there is left out of the figures).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from buyersync.services.analysis import analyze
from buyersync.services.dealfile import read_deal_file

ROOT = Path(__file__).resolve().parents[1]
ADVICE = ROOT / "tests" / "data" / "advice"
CORPUS = ROOT.parent / "shared" / "corpus"


def labelled() -> list[tuple[str, Path, set[str], set[str] | None, dict[str, str]]]:
    """(set, file, codes that must fire, codes that must not (None: all others), extra labels)."""
    rows = []
    expect = json.loads((ADVICE / "expect.json").read_text("utf-8"))
    for name, want in expect.items():
        if name.endswith(".yaml"):
            extra = {k: want[k] for k in ("position", "channel", "strategy")}
            rows.append(("advice", ADVICE / name, set(want["warnings"]), None, extra))
    for sub in ("deals", "cases"):
        folder = CORPUS / sub
        if not (folder / "expect.json").is_file():
            continue
        for name, want in json.loads((folder / "expect.json").read_text("utf-8")).items():
            rows.append((sub, folder / name, set(want.get("warnings_required") or []),
                         set(want.get("warnings_forbidden") or []), {}))
    return rows


def main() -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    unlabelled: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for _, path, must, must_not, extra in labelled():
        result = analyze(read_deal_file(str(path)))
        fired = {w.code.value for w in result.warnings}
        for code in fired:
            if code in must:
                tp[code] += 1
            elif must_not is None or code in must_not:
                fp[code] += 1
            else:
                unlabelled[code] += 1
        for code in must - fired:
            fn[code] += 1
        got = {"position": result.position.value, "channel": result.channel.value,
               "strategy": result.strategy.value}
        for key, value in extra.items():
            total[key] += 1
            hits[key] += got[key] == value
    print(f"{'warning':20} {'fired':>5} {'right':>5} {'precision':>9} {'recall':>7} "
          f"{'unlabelled':>10}")
    for code in sorted(set(tp) | set(fp) | set(fn) | set(unlabelled)):
        fired_n = tp[code] + fp[code]
        precision = f"{tp[code] / fired_n:.0%}" if fired_n else "—"
        recall = f"{tp[code] / (tp[code] + fn[code]):.0%}" if tp[code] + fn[code] else "—"
        print(f"{code:20} {fired_n:>5} {tp[code]:>5} {precision:>9} {recall:>7} "
              f"{unlabelled[code]:>10}")
    all_fired = sum(tp.values()) + sum(fp.values())
    print(f"{'all warnings':20} {all_fired:>5} {sum(tp.values()):>5} "
          f"{sum(tp.values()) / all_fired:>9.0%}")
    for key in ("position", "channel", "strategy"):
        if total[key]:
            print(f"{key} right on the advice deals: {hits[key]}/{total[key]}")


if __name__ == "__main__":
    main()
