"""Deals analysed per second, in-process and as cold CLI starts.

Usage: python bench/analyze_rate.py [DEAL_FOLDER] [--rounds N]
Default folder: the package's demo deals (plus ../shared/corpus/{deals,cases} when present).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from buyersync.services.analysis import analyze
from buyersync.services.dealfile import read_deal_file

ROOT = Path(__file__).resolve().parents[1]


def deal_files(folder: Path | None) -> list[Path]:
    if folder:
        return sorted(folder.glob("*.y*ml")) + sorted(folder.glob("*.json"))
    files = sorted((ROOT / "src" / "buyersync" / "demo").glob("*.yaml"))
    shared = ROOT.parent / "shared" / "corpus"
    for sub in ("deals", "cases"):
        files += sorted((shared / sub).glob("*.yaml"))
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", type=Path)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    files = deal_files(a.folder)
    deals = [read_deal_file(str(f)) for f in files]
    analyze(deals[0])  # warm the knowledge files and the model
    t = time.perf_counter()
    for _ in range(a.rounds):
        for d in deals:
            analyze(d)
    secs = time.perf_counter() - t
    n = a.rounds * len(deals)
    print(f"in-process: {n} analyses in {secs:.2f} s = {n / secs:.0f} deals/s "
          f"({len(deals)} distinct deals)")
    cold = []
    for f in files[:10]:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "buyersync.cli", "analyze", str(f), "--format",
                        "json"], check=True, capture_output=True)
        cold.append(time.perf_counter() - t)
    cold.sort()
    print(f"cold CLI start + analyse: median {cold[len(cold) // 2] * 1000:.0f} ms, "
          f"max {cold[-1] * 1000:.0f} ms over {len(cold)} runs")


if __name__ == "__main__":
    main()
