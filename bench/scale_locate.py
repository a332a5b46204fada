"""Locating at scale: throughput of `scale locate` (services/scale.py) on a local Dask
cluster of 1, 2 and 4 worker processes, beside the single process `locate --format jsonl`.

Usage: python bench/scale_locate.py [--lines N] [--workers 1,2,4] [--blocksize 256KiB] [--min-chars C]

The input is N JSON Lines built from the project's training texts (data/training). Per
cluster size it prints the time to start the cluster and load the model in every worker
(paid once per run), the time to locate the N lines on the warm cluster, lines per second,
the speed-up over one worker, and the CPU seconds the workers spent (lines per CPU second
is the figure to size a cluster with: it does not move with the machine's load); the
single process is timed whole (start-up and model load included) and alone. It also
checks that every cluster's output equals the single process's. The machine's CPU count
and load average are printed: workers beyond the free cores cannot add throughput, and on
a shared machine the figures drift.
"""

from __future__ import annotations

import argparse
import io
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


def write_input(path: Path, lines: int, min_chars: int) -> float:
    """N lines of training texts, each joined with the next ones up to `min_chars` (an
    e-mail is longer than a note); returns the mean length in characters."""
    texts = [json.loads(line)["text"] for f in sorted((ROOT / "data" / "training").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    pool, total = itertools.cycle(texts), 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(lines):
            text = next(pool)
            while len(text) < min_chars:
                text += "\n" + next(pool)
            total += len(text)
            fh.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
    return total / max(lines, 1)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def single_process(path: Path) -> tuple[float, float, list[str]]:
    started, cpu = time.perf_counter(), _children_cpu()
    with path.open("rb") as src:
        done = subprocess.run([sys.executable, "-m", "buyersync.cli", "locate", "--format",
                               "jsonl"], stdin=src, capture_output=True, check=True)
    return (time.perf_counter() - started, _children_cpu() - cpu,
            done.stdout.decode("utf-8").splitlines())


def _warm() -> int:
    from buyersync.locate.locator import default_locator

    default_locator()
    return os.getpid()


def _cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def on_cluster(path: Path, workers: int,
               blocksize: str) -> tuple[float, float, float, int, list[str]]:
    from distributed import Client

    from buyersync.services import scale

    started = time.perf_counter()
    cluster = scale.local_cluster(workers)
    try:
        with Client(cluster) as client:
            client.run(_warm)
            ready = time.perf_counter() - started
            out = io.StringIO()
            begin, cpu = time.perf_counter(), client.run(_cpu)
            report = scale.locate_files([str(path)], out, scheduler=cluster.scheduler_address,
                                        blocksize=blocksize)
            took = time.perf_counter() - begin
            used = sum(client.run(_cpu).values()) - sum(cpu.values())
    finally:
        cluster.close()
    return ready, took, used, report.partitions, out.getvalue().splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--blocksize", default="256KiB")
    parser.add_argument("--min-chars", type=int, default=0,
                        help="join training texts up to this length (1000: e-mail-sized)")
    args = parser.parse_args()
    sizes = [int(x) for x in args.workers.split(",")]
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} "
          f"{os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}; {args.lines} lines, "
          f"blocksize {args.blocksize}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notes.jsonl"
        mean = write_input(path, args.lines, args.min_chars)
        print(f"mean text length {mean:.0f} characters")
        alone, alone_cpu, expected = single_process(path)
        print(f"{'run':<24}{'start s':>9}{'locate s':>10}{'lines/s':>10}{'× 1 worker':>12}"
              f"{'CPU s':>8}{'lines/CPU s':>13}")
        print(f"{'locate --format jsonl':<24}{'':>9}{alone:>10.2f}{args.lines / alone:>10.0f}"
              f"{'':>12}{alone_cpu:>8.2f}{args.lines / alone_cpu:>13.0f}"
              f"   (one process, start-up included)")
        base = None
        for n in sizes:
            ready, took, cpu, parts, lines = on_cluster(path, n, args.blocksize)
            same = [json.loads(x) for x in lines] == [json.loads(x) for x in expected]
            rate = args.lines / took
            base = base or rate
            print(f"{f'scale locate -w {n}':<24}{ready:>9.2f}{took:>10.2f}{rate:>10.0f}"
                  f"{rate / base:>12.2f}{cpu:>8.2f}{args.lines / cpu:>13.0f}"
                  f"   {parts} partitions, output {'equal' if same else 'DIFFERENT'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
