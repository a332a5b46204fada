"""Texts located per second by `buyersync locate --format jsonl` on one core, and its memory.

Usage: python bench/locate_rate.py [--lines N]
Builds N lines from the project's own training texts (data/training), streams them through
the real command pinned to one CPU, and prints the rate and the peak resident memory.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def texts() -> list[str]:
    out = []
    for f in sorted((ROOT / "data" / "training").glob("*.jsonl")):
        out += [json.loads(line)["text"] for line in f.open(encoding="utf-8") if line.strip()]
    return out or ["客户发来招标文件，下周开标。", "The CFO wants the payback period."]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=50_000)
    a = ap.parse_args()
    pool = texts()
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for i, t in zip(range(a.lines), itertools.cycle(pool), strict=False):
            fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        path = fh.name
    cmd = [sys.executable, "-m", "buyersync.cli", "locate", "--format", "jsonl"]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", "0", *cmd]
    t = time.perf_counter()
    with open(path, encoding="utf-8") as src:
        p = subprocess.run(cmd, stdin=src, stdout=subprocess.PIPE, check=True)
    secs = time.perf_counter() - t
    os.unlink(path)
    n = p.stdout.count(b"\n")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{n} texts in {secs:.2f} s = {n / secs:.0f} texts/s on one core "
          f"(start-up included); peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
