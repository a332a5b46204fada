"""Load on the deal room: 50 concurrent clients against the real server on loopback.

Starts `buyersync serve` on a free 127.0.0.1 port with a temporary SQLite workspace and
the demo deals, then sends a fixed number of requests (half deal-room page loads, half
POST /api/v1/analyze) from concurrent httpx clients, stopping at the count or the time
limit, whichever comes first. Prints requests per second and p50/p95 latency per route.

Usage: python bench/web_load.py [--clients 50] [--requests 1000] [--seconds 60]
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
from importlib import resources
from pathlib import Path

import httpx
import yaml

HOST = "127.0.0.1"  # loopback only: this script never sends traffic anywhere else


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUYERSYNC_")}
    cmd = [sys.executable, "-m", "buyersync.cli", "serve", "--host", HOST, "--port", str(port),
           "--db", f"sqlite:///{folder / 'bench.sqlite3'}", "--demo"]
    with (folder / "server.log").open("w") as log:  # read back when something failed
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server stopped before it was ready")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


def demo_deal() -> dict[str, object]:
    text = resources.files("buyersync").joinpath("demo", "surprise-tender.yaml").read_text("utf-8")
    data: dict[str, object] = json.loads(json.dumps(yaml.safe_load(text), default=str))
    return data


async def run_load(url: str, deal_id: str, clients: int, total: int, seconds: float,
                   lang: str) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """Latencies per route, counts of each kind of failure, and the wall time taken."""
    deal = demo_deal()
    latencies: dict[str, list[float]] = {"GET /deals/{id}": [], "POST /api/v1/analyze": []}
    problems: dict[str, int] = {}
    issued = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    headers = {"Accept-Language": lang}
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits,
                                 headers=headers) as client:
        async def worker() -> None:
            nonlocal issued
            while issued < total and time.monotonic() < deadline:
                n = issued
                issued += 1
                route = "GET /deals/{id}" if n % 2 == 0 else "POST /api/v1/analyze"
                t0 = time.perf_counter()
                try:
                    if n % 2 == 0:
                        r = await client.get(f"/deals/{deal_id}")
                    else:
                        r = await client.post("/api/v1/analyze", json=deal)
                    ok = r.status_code == 200
                    problem = f"{route}: HTTP {r.status_code}"
                except httpx.HTTPError as e:
                    ok = False
                    problem = f"{route}: {type(e).__name__}"
                latencies[route].append(time.perf_counter() - t0)
                if not ok:
                    problems[problem] = problems.get(problem, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, problems, elapsed


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--lang", default="zh-CN",
                    help="Accept-Language of the clients (the demo deal is in Chinese; "
                         "another language re-plans each page in that language)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp))
        try:
            deals = httpx.get(url + "/api/v1/deals").json()
            deal_id = next(d["id"] for d in deals if d["name"] == demo_deal()["name"])
            httpx.get(f"{url}/deals/{deal_id}")  # warm up: model, knowledge files, templates
            latencies, problems, elapsed = asyncio.run(
                run_load(url, deal_id, a.clients, a.requests, a.seconds, a.lang))
        finally:
            proc.terminate()
            proc.wait(timeout=15)
        server_log = (Path(tmp) / "server.log").read_text(errors="replace")
    done = sum(len(v) for v in latencies.values())
    print(f"{done} requests from {a.clients} concurrent clients ({a.lang}) in {elapsed:.1f} s: "
          f"{done / elapsed:.1f} requests/s overall")
    for route, values in latencies.items():
        failed = sum(n for k, n in problems.items() if k.startswith(route + ":"))
        print(f"  {route:22} n={len(values):5}  errors={failed}  "
              f"p50={p(values, 50) * 1000:7.1f} ms  p95={p(values, 95) * 1000:7.1f} ms")
    for problem, n in sorted(problems.items()):
        print(f"  failed: {problem} × {n}")
    if problems:
        print("server log (last lines):\n" + "\n".join(server_log.splitlines()[-20:]))


if __name__ == "__main__":
    main()
