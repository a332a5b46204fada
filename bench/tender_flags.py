"""Precision and recall of the tender red flags on a labelled clause set, per kind and
language; the time to check whole documents; and the flags raised on real notices.

    python bench/tender_flags.py [LABELLED.jsonl …] [--real ../shared/corpus/real/notices.jsonl]

A labelled line is {"id", "lang", "text", "kinds": [...]} ([] = not restrictive). Each
clause is checked as a one-clause text document, exactly as `buyersync tender` would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buyersync.tender import check, read_bytes  # noqa: E402
from buyersync.tender.model import FlagKind  # noqa: E402


def kinds_of(text: str) -> set[str]:
    report = check(read_bytes(text.encode("utf-8"), "clause.txt"))
    return {f.kind.value for f in report.flags if f.kind is not FlagKind.short_period}


def pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def score(rows: list[dict]) -> dict:
    out: dict = {"n": len(rows)}
    per_kind: dict[str, Counter] = {}
    per_lang: dict[str, Counter] = {}
    misses = []
    for row in rows:
        got = kinds_of(row["text"])
        want = set(row["kinds"])
        lang = row.get("lang", "zh")
        c = per_lang.setdefault(lang, Counter())
        c["tp"] += bool(got) and bool(want)
        c["fp"] += bool(got) and not want
        c["fn"] += not got and bool(want)
        for k in got | want:
            kc = per_kind.setdefault(f"{k}/{lang}", Counter())
            kc["tp"] += k in got and k in want
            kc["fp"] += k in got and k not in want
            kc["fn"] += k in want and k not in got
        if got != want:
            misses.append({"id": row.get("id"), "want": sorted(want), "got": sorted(got), "text": row["text"][:90]})
    total = Counter()
    for c in per_lang.values():
        total.update(c)
    out["restrictive"] = {lang: dict(zip(("precision", "recall"), pr(c["tp"], c["fp"], c["fn"]), strict=True))
                          for lang, c in {**per_lang, "all": total}.items()}
    out["per_kind"] = {k: {**dict(zip(("precision", "recall"), pr(c["tp"], c["fp"], c["fn"]), strict=True)),
                           "support": c["tp"] + c["fn"]} for k, c in sorted(per_kind.items())}
    out["mismatches"] = misses
    return out


def timing() -> dict:
    """Wall and CPU seconds for a Word file of about 60 pages and a 50-page PDF (CPU time is
    what the check costs; wall time also shows how busy the machine was)."""
    from tests.tender_docs import EN_TENDER, ZH_TENDER, docx_bytes, pdf_bytes, text_lines

    items = (ZH_TENDER + EN_TENDER) * 60  # 1,980 paragraphs and rows, ~45,000 characters
    out: dict = {}
    for name, data in (("docx", docx_bytes(items)), ("pdf", pdf_bytes(text_lines(EN_TENDER) * 3, pages=50))):
        wall, cpu = time.perf_counter(), time.process_time()
        report = check(read_bytes(data, f"big.{name}"))
        out[name] = {"clauses": len(report.clauses), "wall_seconds": round(time.perf_counter() - wall, 2),
                     "cpu_seconds": round(time.process_time() - cpu, 2)}
    out["load_average"] = round(os.getloadavg()[0], 1)
    return out


def real(path: Path) -> dict:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    flagged = []
    for row in rows:
        report = check(read_bytes(row["text"].encode("utf-8"), f"{row['id']}.txt"))
        for f in report.flags:
            clause = next(c for c in report.clauses if c.id == f.clause)
            flagged.append({"id": row["id"], "kind": f.kind.value, "text": clause.text[:100]})
    return {"notices": len(rows), "flags": len(flagged), "notices_flagged": len({f["id"] for f in flagged}),
            "flags_listed": flagged}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="*", type=Path, default=[ROOT / "data" / "tender" / "clauses.jsonl"])
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "corpus" / "real" / "notices.jsonl")
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args()
    rows = [json.loads(line) for s in args.sets for line in s.read_text("utf-8").splitlines() if line.strip()]
    result = {"labelled": score(rows)}
    if not args.no_timing:
        result["timing"] = timing()
    if args.real.is_file():
        result["real_notices"] = real(args.real)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
