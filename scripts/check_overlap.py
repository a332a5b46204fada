"""Report training texts that come too close to a validation corpus (a clean-split check).

Usage: python scripts/check_overlap.py VALIDATION.jsonl [TRAINING_DIR] [--threshold 0.5] [--drop]

For every training text it finds the validation text sharing the largest share of its
character 6-grams. A share above the threshold means the two are near copies: the
training text must go (with --drop the script removes such lines from the training files).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def grams(text: str, n: int = 6) -> set[str]:
    t = " ".join(text.lower().split())
    return {t[i : i + n] for i in range(max(len(t) - n + 1, 1))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("validation", type=Path)
    ap.add_argument("training", type=Path, nargs="?",
                    default=Path(__file__).resolve().parents[1] / "data" / "training")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--drop", action="store_true")
    a = ap.parse_args()
    val = [json.loads(line)["text"] for line in a.validation.open(encoding="utf-8") if line.strip()]
    index: dict[str, set[int]] = defaultdict(set)
    for i, text in enumerate(val):
        for g in grams(text):
            index[g].add(i)
    flagged = 0
    for path in sorted(a.training.glob("*.jsonl")):
        kept = []
        for line in path.open(encoding="utf-8"):
            if not line.strip():
                continue
            text = json.loads(line)["text"]
            mine = grams(text)
            shared: dict[int, int] = defaultdict(int)
            for g in mine:
                for i in index.get(g, ()):
                    shared[i] += 1
            best_i, best = max(shared.items(), key=lambda kv: kv[1], default=(None, 0))
            share = best / len(mine)
            if share >= a.threshold and best_i is not None:
                flagged += 1
                print(f"{path.name}: {share:.0%} of its 6-grams shared\n  train: {text[:100]}\n"
                      f"  valid: {val[best_i][:100]}")
                if a.drop:
                    continue
            kept.append(line if line.endswith("\n") else line + "\n")
        if a.drop:
            path.write_text("".join(kept), encoding="utf-8")
    print(f"{flagged} training texts at or above {a.threshold:.0%} overlap")


if __name__ == "__main__":
    main()
