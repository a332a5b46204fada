"""Deals analysed per second in process, and `buyersync analyze FILE` as a cold start.

Usage: python bench/analyze_rate.py [DEAL_FOLDER] [--rounds N] [--cold N] [--against SRC]
                                    [--instructions]
Default folder: the package's demo deals (plus ../shared/corpus/{deals,cases} when present).
--against SRC: the same command run from another checkout's `src` folder (PYTHONPATH), in
turn with this one, and the median of the pairs' CPU and wall ratios.

The cold start is a whole process (interpreter start, imports, model and lexicon load, the
analysis, JSON out), timed as CPU seconds (user + system, what a shared machine's load
distorts least) and wall seconds, median of N runs. Side by side, in the same rounds: the
floors it cannot go under — a bare interpreter, and one that only imports the library
`analyze` needs for a YAML file (PyYAML; pydantic beside it for reference: `analyze` no
longer imports it) — and, measured in separate fresh processes, where
the time goes: each stage's CPU time in the order the command meets it.

--instructions: each command also run once under valgrind's callgrind, which counts the
instructions it executes: a figure the machine's load does not move (needs valgrind).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from buyersync.services.analysis import analyze
from buyersync.services.dealfile import read_deal_file

ROOT = Path(__file__).resolve().parents[1]

# each step runs after the ones before it, in one fresh interpreter; its CPU time is printed
STAGES = [
    ("library: PyYAML", "import yaml"),
    ("the command line (buyersync.cli)", "import buyersync.cli"),
    ("analysis code (services, planner, locator)",
     "import buyersync.services.analysis, buyersync.services.dealfile"),
    ("model tables (the file mapped, no NumPy)",
     "from buyersync.locate.tables import shipped_tables; shipped_tables()"),
    ("lexicon, headings, cues", "from buyersync.locate import default_locator; default_locator()"),
    ("read the deal file", "d = buyersync.services.dealfile.read_deal_file(FILE)"),
    ("the analysis", "r = buyersync.services.analysis.analyze(d)"),
    ("JSON out", "import json; json.dumps(r.model_dump(mode='json'))"),
    ("the human form instead (Rich)",
     "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n"
     "    from buyersync.cli.render import print_analysis; print_analysis(d, r)"),
]


def deal_files(folder: Path | None) -> list[Path]:
    if folder:
        return sorted(folder.glob("*.y*ml")) + sorted(folder.glob("*.json"))
    files = sorted((ROOT / "src" / "buyersync" / "demo").glob("*.yaml"))
    shared = ROOT.parent / "shared" / "corpus"
    for sub in ("deals", "cases"):
        files += sorted((shared / sub).glob("*.yaml"))
    return files


# children use and write bytecode caches, as an installed command does
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env or ENV)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def instructions(cmd: list[str], env: dict[str, str] | None = None) -> float | None:
    """Millions of instructions one whole process executes (callgrind), or None."""
    if not shutil.which("valgrind"):
        return None
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                          capture_output=True, text=True, env=env or ENV)
    found = [line for line in done.stderr.splitlines() if "Collected :" in line]
    return int(found[-1].split(":")[-1]) / 1e6 if found else None


def breakdown(file: Path) -> list[tuple[str, float]]:
    lines = ["import time, sys", "FILE = sys.argv[1]", "out = []"]
    for name, code in STAGES:
        lines += ["t = time.process_time()", code, f"out.append(({name!r}, time.process_time() - t))"]
    lines.append("import json; print(json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", "\n".join(lines), str(file)], check=True,
                          capture_output=True, text=True, env=ENV)
    return [(name, float(secs)) for name, secs in json.loads(done.stdout.splitlines()[-1])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", type=Path)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--cold", type=int, default=11, help="cold runs of each command")
    ap.add_argument("--against", type=Path, help="another checkout's src folder, run in turn")
    ap.add_argument("--instructions", action="store_true",
                    help="also count each command's instructions under callgrind (valgrind)")
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

    demo = ROOT / "src" / "buyersync" / "demo" / "surprise-tender.yaml"
    # the same deal as JSON (what a script or a CRM export writes): no YAML parser to import
    as_json = Path(tempfile.mkdtemp()) / "surprise-tender.json"
    as_json.write_text(read_deal_file(str(demo)).model_dump_json(exclude_none=True), "utf-8")
    analyze_cmd = [sys.executable, "-m", "buyersync.cli", "analyze"]
    commands = {
        "buyersync analyze FILE --format json": [*analyze_cmd, str(demo), "--format", "json"],
        "buyersync analyze FILE (human, the default)": [*analyze_cmd, str(demo)],
        "buyersync analyze FILE.json --format json": [*analyze_cmd, str(as_json), "--format", "json"],
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import yaml'": [sys.executable, "-c", "import yaml"],
        "python -c 'import yaml; from pydantic import BaseModel'":
            [sys.executable, "-c", "import yaml; from pydantic import BaseModel"],
    }
    envs = dict.fromkeys(commands, ENV)
    if a.against:
        first = next(iter(commands))
        commands = {first: commands[first], "the same, code from --against": commands[first],
                    **{k: v for k, v in commands.items() if k != first}}
        envs["the same, code from --against"] = {**ENV, "PYTHONPATH": str(a.against.resolve())}
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for name, cmd in commands.items():
        timed(cmd, envs[name])  # warm the page cache and the bytecode caches
    for _ in range(a.cold):
        for name, cmd in commands.items():
            runs[name].append(timed(cmd, envs[name]))
    print(f"\ncold start, whole process, median of {a.cold} runs taken in turn "
          f"(load average {__import__('os').getloadavg()[0]:.1f}):")
    counted = {name: instructions(cmd, envs[name]) for name, cmd in commands.items()} \
        if a.instructions else {}
    print(f"{'':56} {'cpu s':>7} {'wall s':>7}" + ("  instructions" if counted else ""))
    for name, rs in runs.items():
        count = f"  {counted[name]:8.0f} M" if counted.get(name) else ""
        print(f"{name:56} {statistics.median(r[0] for r in rs):7.3f} "
              f"{statistics.median(r[1] for r in rs):7.3f}{count}")
    if a.against:
        mine, theirs = runs[next(iter(runs))], runs["the same, code from --against"]
        for i, what in ((0, "cpu"), (1, "wall")):
            ratios = sorted(m[i] / t[i] for m, t in zip(mine, theirs, strict=True))
            print(f"this checkout / --against, {what}: median {statistics.median(ratios):.3f} "
                  f"(min {ratios[0]:.3f}, max {ratios[-1]:.3f}, {len(ratios)} pairs)")
    parts = [breakdown(demo) for _ in range(max(a.cold // 2, 3))]
    print(f"\nwhere the CPU time goes (median of {len(parts)} fresh interpreters, interpreter start not counted):")
    for i, (name, _) in enumerate(STAGES):
        print(f"  {name:44} {statistics.median(p[i][1] for p in parts) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
