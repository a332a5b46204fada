"""Load on the web app at a fixed offered rate (open loop), measuring the server.

Starts `buyersync serve` (optionally with `--workers N`) on a free 127.0.0.1 port with a
temporary SQLite workspace holding the demo deals and `--deals` copies of them, then, for
each route, sends requests at `--rate` per second on a fixed schedule whatever the answers
do (open loop: a slow server meets the same load, and the latency counts from when a
request was due, so queueing shows). Prints per route:

- server CPU per request: the CPU time (user + system) of the server's processes (the
  supervisor and every worker, from /proc) during the phase, divided by its requests;
- p50/p95/p99 latency and the achieved rate;
- the load generator's own CPU per request (small: one asyncio loop writing prepared
  HTTP/1.1 requests on kept-alive sockets, reading the answers by Content-Length).

`--throughput` adds a saturation phase per route: `--connections` clients each sending the
next request as soon as an answer arrives (closed loop), reporting requests per second.
`--workers 1,2,4` repeats everything for each worker count.

Usage: python bench/web_load.py [--rate 100] [--requests 1000] [--deals 300]
       [--routes room,board] [--workers 1] [--throughput] [--lang zh-CN]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path

HOST = "127.0.0.1"  # loopback only: this script never sends traffic anywhere else
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


# -- the server ------------------------------------------------------------------------------

def seed(db_url: str, copies: int) -> str:
    """The demo deals, and `copies` more made from them (other names and owners), so that
    the board has a pipeline's worth of cards."""
    from buyersync.services.deals import DealService
    from buyersync.services.demo import demo_deals, load_demo

    with DealService(db_url) as service:
        ids = load_demo(service)
        demo = demo_deals()
        extra = []
        for i in range(copies):
            base = demo[i % len(demo)]
            extra.append(base.model_copy(update={"id": None, "name": f"{base.name} #{i}",
                                                 "owner": f"seller{i % 12:02d}"}))
        if extra:
            service.import_deals(extra)
    name = json.loads(demo_body())["name"]
    return next(i for i, n in ids if n == name)


def start_server(folder: Path, db_url: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUYERSYNC_")}
    cmd = [sys.executable, "-m", "buyersync.cli", "serve", "--host", HOST, "--port", str(port),
           "--db", db_url, "--no-demo"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    with (folder / "server.log").open("w") as log:  # read back when something failed
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server stopped before it was ready:\n"
                             + (folder / "server.log").read_text(errors="replace"))
        try:
            status, _ = asyncio.run(one_request(port, b"GET /healthz HTTP/1.1\r\nHost: "
                                                + HOST.encode() + b"\r\n\r\n"))
            if status == 200 and len(process_tree(proc.pid)) >= (workers + 1 if workers > 1
                                                                 else 1):
                return proc, port
        except OSError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start within 90 s")


def process_tree(root: int) -> list[int]:
    """`root` and every process below it (uvicorn's workers are its children)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(raw.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (dead ones count as zero: the
    server's processes live through a whole phase)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


# -- the client: prepared requests on kept-alive connections -----------------------------------

async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status, length


async def one_request(port: int, raw: bytes) -> tuple[int, int]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        return await _read_answer(reader)
    finally:
        writer.close()


class Pool:
    """Kept-alive connections: a request takes an idle one or opens another."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0

    async def send(self, raw: bytes) -> int:
        if self.idle:
            reader, writer = self.idle.pop()
            try:
                writer.write(raw)
                status, _ = await _read_answer(reader)
                self.idle.append((reader, writer))
                return status
            except (OSError, asyncio.IncompleteReadError):
                # the server closed a connection idle past its keep-alive: a new one
                writer.close()
        reader, writer = await asyncio.open_connection(HOST, self.port)
        self.opened += 1
        writer.write(raw)
        status, _ = await _read_answer(reader)
        self.idle.append((reader, writer))
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


def build_request(method: str, path: str, lang: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Accept-Language: {lang}"]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    connections: int = 0

    def failed(self, why: str) -> None:
        self.errors[why] = self.errors.get(why, 0) + 1


async def open_loop(port: int, raw: bytes, rate: float, n: int, phase: Phase) -> None:
    pool = Pool(port)
    loop = asyncio.get_running_loop()

    async def fire(due: float) -> None:
        try:
            status = await pool.send(raw)
            if status != 200:
                phase.failed(f"HTTP {status}")
        except (OSError, asyncio.IncompleteReadError) as e:
            phase.failed(type(e).__name__)
        phase.latencies.append(loop.time() - due)  # from when it was due: queueing counts

    start = loop.time() + 0.05
    tasks = []
    for i in range(n):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(fire(due)))
    await asyncio.gather(*tasks)
    phase.elapsed = loop.time() - start
    phase.connections = pool.opened
    pool.close()


async def closed_loop(port: int, raw: bytes, connections: int, n: int, phase: Phase) -> None:
    loop = asyncio.get_running_loop()
    left = n

    async def client() -> None:
        nonlocal left
        pool = Pool(port)
        while left > 0:
            left -= 1
            t0 = loop.time()
            try:
                status = await pool.send(raw)
                if status != 200:
                    phase.failed(f"HTTP {status}")
            except (OSError, asyncio.IncompleteReadError) as e:
                phase.failed(type(e).__name__)
                pool = Pool(port)
            phase.latencies.append(loop.time() - t0)
        pool.close()

    start = loop.time()
    await asyncio.gather(*(client() for _ in range(connections)))
    phase.elapsed = loop.time() - start
    phase.connections = connections


def measure(pids: list[int], name: str, work: Callable[[Phase], Awaitable[None]]) -> Phase:
    phase = Phase(name)
    server0, client0 = cpu_seconds(pids), time.process_time()
    asyncio.run(run(work, phase))
    phase.server_cpu = cpu_seconds(pids) - server0
    phase.client_cpu = time.process_time() - client0
    return phase


async def run(work: Callable[[Phase], Awaitable[None]], phase: Phase) -> None:
    await work(phase)


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(phase: Phase, workers: int, rate: float | None) -> None:
    n = len(phase.latencies)
    failed = sum(phase.errors.values())
    offered = f"offered {rate:g}/s" if rate else f"closed loop, {phase.connections} clients"
    print(f"  {phase.name:<18} workers={workers}  {offered}: n={n} errors={failed} "
          f"achieved {n / phase.elapsed:7.1f}/s  server CPU {phase.server_cpu / n * 1000:5.2f} "
          f"ms/request  p50 {pct(phase.latencies, 50) * 1000:6.1f} ms  "
          f"p95 {pct(phase.latencies, 95) * 1000:6.1f} ms  p99 {pct(phase.latencies, 99) * 1000:6.1f}"
          f" ms  (client CPU {phase.client_cpu / n * 1000:.2f} ms/request, "
          f"{phase.connections} connections)")
    for problem, count in sorted(phase.errors.items()):
        print(f"    failed: {problem} × {count}")


def demo_body() -> bytes:
    import yaml

    text = resources.files("buyersync").joinpath("demo", "surprise-tender.yaml").read_text("utf-8")
    return json.dumps(yaml.safe_load(text), default=str, ensure_ascii=False).encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=100.0, help="offered requests per second")
    ap.add_argument("--requests", type=int, default=1000, help="requests per route and phase")
    ap.add_argument("--deals", type=int, default=300, help="deals besides the demo deals")
    ap.add_argument("--routes", default="room,board", help="room, board, analyze")
    ap.add_argument("--workers", default="1", help="worker counts, e.g. 1,2,4")
    ap.add_argument("--throughput", action="store_true",
                    help="also measure the most requests per second (closed loop)")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--lang", default="zh-CN",
                    help="Accept-Language (the demo deal is in Chinese; another language "
                         "plans each page in that language)")
    a = ap.parse_args()
    routes = [r.strip() for r in a.routes.split(",") if r.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url = f"sqlite:///{folder / 'bench.sqlite3'}"
        t0 = time.perf_counter()
        deal_id = seed(db_url, a.deals)
        print(f"workspace: {a.deals + 7} deals (seeded in {time.perf_counter() - t0:.1f} s); "
              f"{a.requests} requests per route at {a.rate:g}/s offered; Accept-Language "
              f"{a.lang}; {os.cpu_count()} CPUs")
        for workers in [int(w) for w in a.workers.split(",")]:
            proc, port = start_server(folder, db_url, workers)
            try:
                requests = {"room": build_request("GET", f"/deals/{deal_id}", a.lang),
                            "board": build_request("GET", "/", a.lang),
                            "analyze": build_request("POST", "/api/v1/analyze", a.lang,
                                                     demo_body())}
                names = {"room": "GET /deals/{id}", "board": "GET /",
                         "analyze": "POST /api/v1/analyze"}
                pids = process_tree(proc.pid)
                for route in routes:
                    raw = requests[route]
                    # warm every worker: model, knowledge files, templates, caches
                    measure(pids, "warm-up", partial(closed_loop, port, raw,
                                                     max(4, 2 * workers), 40 * workers))
                    phase = measure(pids, names[route],
                                    partial(open_loop, port, raw, a.rate, a.requests))
                    report(phase, workers, a.rate)
                    if a.throughput:
                        phase = measure(pids, names[route], partial(
                            closed_loop, port, raw, a.connections, a.requests))
                        report(phase, workers, None)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log = (folder / "server.log").read_text(errors="replace").strip()
            if "Traceback" in log:
                print("server log (last lines):\n" + "\n".join(log.splitlines()[-20:]))


if __name__ == "__main__":
    main()
