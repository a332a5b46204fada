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


def run(lines: int, pool: list[str]) -> tuple[int, float, float]:
    """Stream `lines` texts through the real command on one core: (count, seconds, peak MiB)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for i, t in zip(range(lines), itertools.cycle(pool), strict=False):
            fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        path = fh.name
    cmd = [sys.executable, "-m", "buyersync.cli", "locate", "--format", "jsonl"]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", "0", *cmd]
    code = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], stdin=sys.stdin, "
            "stdout=subprocess.PIPE, check=True); sys.stdout.write(str(p.stdout.count(b'\\n')) + ' ' + "
            "str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))")
    t = time.perf_counter()
    with open(path, encoding="utf-8") as src:
        out = subprocess.run([sys.executable, "-c", code, *cmd], stdin=src, capture_output=True,
                             check=True, text=True).stdout.split()
    secs = time.perf_counter() - t
    os.unlink(path)
    return int(out[0]), secs, int(out[1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=50_000)
    a = ap.parse_args()
    pool = texts()
    _, start_secs, _ = run(1, pool)
    n, secs, peak = run(a.lines, pool)
    print(f"{n} texts in {secs:.2f} s: {n / secs:.0f} texts/s on one core with start-up, "
          f"{n / max(secs - start_secs, 1e-9):.0f} texts/s after start-up ({start_secs:.2f} s); "
          f"peak memory {peak:.0f} MiB")
    _, _, peak_small = run(max(a.lines // 10, 1), pool)
    print(f"memory is constant in the input length: {peak_small:.0f} MiB for {a.lines // 10} "
          f"lines, {peak:.0f} MiB for {a.lines}")


if __name__ == "__main__":
    main()
