"""Import with analysis: deals per second through DealService.import_deals (locate every
evidence item, plan, replay the stage history item by item, write), and how many texts
the locator read to do it.

Usage: python bench/import_rate.py [--deals 150] [--evidence 10] [--db URL | --pg] [--rounds 3]

The deals: the bundled demo deals, then made-up deals whose evidence is drawn from the
demo deals' evidence (dated in order, no given stage, so that the history is replayed
item by item). Each round imports the lot into a fresh workspace (SQLite in a temporary
folder by default; --db postgresql://… adds to that database; --pg starts a throwaway
PostgreSQL server, bench/pgserver.py). The figure is the median
round, in wall time and in this process's CPU time (the machine may be shared: CPU time
is the steadier figure); `locate calls` counts the texts the locator read in one round (each evidence item
once is the floor).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from buyersync.locate.locator import Locator
from buyersync.method.model import Deal
from buyersync.services.dealfile import read_deal_file
from buyersync.services.deals import DealService
from buyersync.store import db

ROOT = Path(__file__).resolve().parents[1]


def demo() -> list[Deal]:
    return [read_deal_file(str(f)) for f in sorted((ROOT / "src/buyersync/demo").glob("*.yaml"))]


def made_up(n: int, evidence: int, seed: int = 11) -> list[Deal]:
    """Deals whose evidence comes from the demo deals' evidence, in date order; each text
    gets a reference of its own, so that no two items anywhere are the same text."""
    rng = random.Random(seed)
    pool = [(e.text, d.lang) for d in demo() for e in d.evidence]
    start = dt.date(2026, 1, 5)
    deals = []
    for i in range(n):
        texts = rng.sample(pool, min(evidence, len(pool)))
        deals.append(Deal.model_validate({
            "name": f"made-up {i}", "customer": f"Customer {i % 37}",
            "evidence": [{"text": f"{t} (ref {i}-{k})", "date": (start + dt.timedelta(days=4 * k + i % 3)).isoformat()}
                         for k, (t, _) in enumerate(texts)]}))
    return deals


class Counter:
    """Counts the texts the locator reads (through `locate` or `locate_many`)."""

    def __init__(self) -> None:
        self.texts = 0
        self._one = Locator.locate
        self._many = Locator.locate_many
        counter = self

        def one(self: Locator, text: str) -> Any:
            counter.texts += 1
            return counter._many(self, [text])[0]

        def many(self: Locator, texts: list[str]) -> Any:
            counter.texts += len(texts)
            return counter._many(self, texts)

        Locator.locate = one  # type: ignore[method-assign]
        Locator.locate_many = many  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=150, help="made-up deals (plus the demo deals)")
    ap.add_argument("--evidence", type=int, default=10)
    ap.add_argument("--db", help="database URL (default: a new SQLite file per round)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL server")
    a = ap.parse_args()
    if a.pg:
        from pgserver import throwaway_database

        with throwaway_database() as url:
            a.db = url
            run(a)
    else:
        run(a)


def run(a: argparse.Namespace) -> None:
    deals = demo() + made_up(a.deals, a.evidence)
    items = sum(len(d.evidence) for d in deals)
    counter = Counter()
    times, cpu, calls = [], [], []
    for r in range(a.rounds):
        with tempfile.TemporaryDirectory(prefix="buyersync-bench-") as folder:
            url = a.db or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            engine = db.make_engine(url)
            service = DealService(engine)
            service.analyze(deals[0])  # load the model and knowledge before timing
            batch = [d.model_copy(update={"name": f"{d.name} r{r}"}) for d in deals]
            counter.texts = 0
            t0, c0 = time.perf_counter(), time.process_time()
            service.import_deals(batch)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            calls.append(counter.texts)
            service.close()
            engine.dispose()
    best, busy = statistics.median(times), statistics.median(cpu)
    print(f"database: {db.make_engine(a.db).dialect.name if a.db else 'sqlite'}")
    print(f"{len(deals)} deals, {items} evidence items; median of {a.rounds} rounds")
    print(f"import with analysis: {len(deals) / best:,.1f} deals/s ({best:.2f} s wall), "
          f"{len(deals) / busy:,.1f} deals/s of CPU ({busy:.2f} s CPU), {items / busy:,.0f} items/s of CPU")
    print(f"locate calls per round: {statistics.median(calls):,.0f} texts for {items} items "
          f"({statistics.median(calls) / items:.2f} per item)")


if __name__ == "__main__":
    main()
