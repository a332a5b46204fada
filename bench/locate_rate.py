"""`buyersync locate --format jsonl` against a plain TF-IDF + logistic-regression peer.

Usage: python bench/locate_rate.py [--lines N] [--runs R]

Both sides run as whole processes (start-up, model load, reading and writing JSON Lines
included) on the same N lines built from the project's own training texts (data/training),
each pinned to one CPU, in turn (ours, peer, ours, peer, ...) so that the ratio holds while a
shared machine's speed drifts. The peer is what a data scientist would write first: scikit-
learn's TfidfVectorizer (character 1-4-grams, sublinear tf) and LogisticRegression trained on
the same texts and labels, pickled, then a script that streams the lines through the pipeline
in batches and prints each line's stage and scores. Training the peer is not timed; loading it
is. Prints, per side, the median CPU and wall seconds, texts per second, µs per text and peak
memory, then the ratio of the peer's time to ours, pair by pair (its median, min and max), and
a memory check (peak memory at N/10 lines and at N).

With `--against SRC` (another checkout's `src` folder, e.g. the code before a change), that
code runs too, in turn with the other two (ours, peer, SRC, ...), and the ratio of its CPU
time to ours is printed pair by pair: what a change bought, with the machine's drift cancelled.

The peer's serving script is this file itself, run with `--peer MODEL`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 256


def labelled() -> list[tuple[str, str]]:
    out = []
    for f in sorted((ROOT / "data" / "training").glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                out.append((row["text"], row["stage"]))
    return out


def write_input(path: Path, lines: int, pool: list[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i, t in zip(range(lines), itertools.cycle(pool), strict=False):
            fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")


def train_peer(rows: list[tuple[str, str]], path: Path) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True,
                                         min_df=2),
                         LogisticRegression(C=20.0, max_iter=3000))
    pipe.fit([t for t, _ in rows], [s for _, s in rows])
    with path.open("wb") as fh:
        pickle.dump(pipe, fh)


def serve_peer(model: str) -> None:
    """The peer as a user would run it: JSON Lines in, one {"id", "stage", "confidence",
    "scores"} line out per input line, in batches."""
    with open(model, "rb") as fh:
        pipe = pickle.load(fh)
    classes = [str(c) for c in pipe.classes_]

    def flush(batch: list[dict[str, Any]]) -> None:
        if not batch:
            return
        probs = pipe.predict_proba([b["text"] for b in batch])
        for item, p in zip(batch, probs.tolist(), strict=True):
            best = max(range(len(p)), key=p.__getitem__)
            sys.stdout.write(json.dumps({"id": item.get("id"), "stage": classes[best],
                                         "confidence": round(p[best], 4),
                                         "scores": {c: round(v, 4) for c, v in zip(classes, p, strict=True)}},
                                        ensure_ascii=False) + "\n")
        batch.clear()

    batch: list[dict[str, Any]] = []
    for line in sys.stdin:
        if line.strip():
            batch.append(json.loads(line))
            if len(batch) >= BATCH:
                flush(batch)
    flush(batch)


def run_once(cmd: list[str], src: Path, code_from: str | None = None) -> tuple[float, float, float, int]:
    """One whole-process run on one CPU: (cpu seconds, wall seconds, peak MiB, lines out);
    `code_from`, a `src` folder whose package the command runs instead of this checkout's."""
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", "0", *cmd]
    env = dict(os.environ, PYTHONPATH=code_from) if code_from else None
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.PIPE, check=True); "
            "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(u.ru_utime + u.ru_stime, w, u.ru_maxrss, p.stdout.count(b'\\n'))")
    with src.open(encoding="utf-8") as fh:
        out = subprocess.run([sys.executable, "-c", code, *cmd], stdin=fh, capture_output=True,
                             check=True, text=True, env=env).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]) / 1024, int(out[3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peer", help=argparse.SUPPRESS)
    ap.add_argument("--against", metavar="SRC", help="another checkout's src folder, run in turn")
    a = ap.parse_args()
    if a.peer:
        serve_peer(a.peer)
        return
    rows = labelled()
    ours = [sys.executable, "-m", "buyersync.cli", "locate", "--format", "jsonl"]
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "peer.pkl"
        train_peer(rows, model)
        peer = [sys.executable, str(Path(__file__).resolve()), "--peer", str(model)]
        src, small = Path(tmp) / "in.jsonl", Path(tmp) / "small.jsonl"
        write_input(src, a.lines, [t for t, _ in rows])
        write_input(small, max(a.lines // 10, 1), [t for t, _ in rows])
        run_once(ours, small), run_once(peer, small)  # warm the page cache and byte-code
        results: dict[str, list[tuple[float, float, float, int]]] = {"buyersync": [], "peer": []}
        if a.against:
            run_once(ours, small, a.against)
            results["--against"] = []
        for _ in range(a.runs):
            results["buyersync"].append(run_once(ours, src))
            results["peer"].append(run_once(peer, src))
            if a.against:
                results["--against"].append(run_once(ours, src, a.against))
        peak_small = run_once(ours, small)[2]
    print(f"{a.lines} lines, whole process on one CPU, median of {a.runs} runs "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'':10} {'cpu s':>7} {'wall s':>7} {'texts/s (cpu)':>14} {'µs/text':>8} {'peak MiB':>9}")
    for name, rs in results.items():
        cpu = statistics.median(r[0] for r in rs)
        wall = statistics.median(r[1] for r in rs)
        assert all(r[3] == a.lines for r in rs), f"{name} printed the wrong number of lines"
        print(f"{name:10} {cpu:7.2f} {wall:7.2f} {a.lines / cpu:14.0f} {cpu / a.lines * 1e6:8.1f} "
              f"{max(r[2] for r in rs):9.0f}")
    ratios = sorted(p[0] / o[0] for o, p in zip(results["buyersync"], results["peer"], strict=True))
    print(f"peer cpu time / buyersync cpu time, pair by pair: median {statistics.median(ratios):.2f}, "
          f"min {ratios[0]:.2f}, max {ratios[-1]:.2f}")
    if a.against:
        before = sorted(o[0] / b[0] for o, b in zip(results["buyersync"], results["--against"], strict=True))
        print(f"buyersync cpu time / --against cpu time, pair by pair: median {statistics.median(before):.2f}, "
              f"min {before[0]:.2f}, max {before[-1]:.2f}")
    print(f"memory is flat in the input length: {peak_small:.0f} MiB for {max(a.lines // 10, 1)} lines, "
          f"{max(r[2] for r in results['buyersync']):.0f} MiB for {a.lines}")


if __name__ == "__main__":
    main()
