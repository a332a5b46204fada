"""Workspace load: bulk-import N deals with 10 evidence items each, then time `deals list`.

Usage: python bench/store_load.py [--deals 100000] [--evidence 10] [--db URL | --pg] [--sample 200]

What it measures, and what it does not:
- import rate: the store's bulk path (DealRepository.add_many: one multi-row INSERT per
  table for each 500 deals, a commit every --commit deals) with rows made up by the
  bench. It skips the locator and planner, which cost about as much as the rest
  together; the analysed path is measured separately on --sample deals through
  DealService.import_deals (locate every item, plan, replay the history, write).
- list latency: DealService.list, the first page of 50 (unfiltered, and filtered by stage,
  owner, warning, stalled), median of 15 runs; `get` of one deal including a fresh
  analysis; stats() over the whole workspace.
- peak memory: the process's maximum resident set size (the import streams: deals are
  made and written batch by batch, never held all at once).
Default database: a new SQLite file in a temporary folder; --db postgresql://… for
PostgreSQL (use an empty database: the bench adds to it), or --pg for a throwaway
PostgreSQL server started from the machine's binaries (bench/pgserver.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from buyersync.method.model import Deal, Evidence
from buyersync.method.stages import STAGES, Driver, Outcome, Stage, Strategy
from buyersync.services.deals import DealService
from buyersync.store import db
from buyersync.store.records import DealState, EvidenceRecord, HistoryEntry, StoredDeal, new_id
from buyersync.store.repository import DealRepository

NOTES = ["客户发来邀标函，要求两周内回应", "The CFO asked for the payback period before the board",
         "信息科说现有系统经常宕机，影响门诊", "They listed must-haves for the new platform",
         "评分办法里同类案例占20分", "Negotiating the final discount and payment terms"]
OWNERS = ["ann", "bob", "林晓", "高原", "sam"]
WARNINGS = ["following", "pull_forward", "no_executive", "too_far", "unknown_drivers"]


def made_up(i: int, evidence: int, now: dt.datetime, rng: random.Random) -> StoredDeal:
    """A plausible stored deal, built without validation (the bench measures the store)."""
    stage = rng.choice(STAGES)
    deal_id = new_id()
    start = now - dt.timedelta(days=rng.randint(1, 400))
    records = [EvidenceRecord.model_construct(
        id=new_id(16), position=k, text=f"{rng.choice(NOTES)} #{i}.{k}",
        date=(start + dt.timedelta(days=3 * k)).date(), source="crm",
        stage=rng.choice(STAGES), confidence=0.8, competitor_led=None, signals=[],
        created_at=now) for k in range(evidence)]
    deal = Deal.model_construct(
        id=deal_id, name=f"Deal {i}", customer=f"Customer {i % 997}", lang=None, stage=stage,
        evidence=[Evidence.model_construct(text=r.text, date=r.date, source=r.source)
                  for r in records],
        drivers={s: Driver.competitor for s in stage.before()}, competitors=["Rival"],
        capabilities=[], contacts=[], exchange=None, planned_actions=[],
        outcome=rng.choice([Outcome.open, Outcome.open, Outcome.open, Outcome.won, Outcome.lost]),
        lost_reason=None,
        amount=float(rng.randint(1, 500) * 1000), currency="CNY", owner=rng.choice(OWNERS))
    closed = None if deal.outcome == Outcome.open else start + dt.timedelta(days=rng.randint(20, 200))
    state = DealState.model_construct(
        stage=stage, stage_source="given", strategy=rng.choice(list(Strategy)),
        target_stage=Stage.problem, warnings=rng.sample(WARNINGS, rng.randint(0, 2)),
        created_at=start, updated_at=now - dt.timedelta(seconds=i), closed_at=closed,
        stage_since=start)
    history = [HistoryEntry.model_construct(
        id=new_id(16), at=start, from_stage=None, to_stage=stage, drivers={}, driver_changes={},
        strategy=state.strategy, cause="import", evidence_id=records[0].id if records else None)]
    return StoredDeal.model_construct(deal=deal, state=state, evidence=records, history=history)


def batches(n: int, size: int, evidence: int) -> Iterator[list[tuple[StoredDeal, Any]]]:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    for start in range(0, n, size):
        yield [(made_up(i, evidence, now, rng), None) for i in range(start, min(n, start + size))]


def timed(call: Callable[[], Any], runs: int = 15) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--evidence", type=int, default=10)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--pg", action="store_true",
                        help="a throwaway PostgreSQL server (bench/pgserver.py)")
    parser.add_argument("--commit", type=int, default=5_000, help="deals per transaction")
    parser.add_argument("--sample", type=int, default=200,
                        help="deals imported through the full analysed path")
    args = parser.parse_args()
    if args.pg:
        from pgserver import throwaway_database

        with throwaway_database() as url:
            args.db = url
            run(args)
    else:
        run(args)


def run(args: argparse.Namespace) -> None:
    folder = None
    url = args.db
    if url is None:
        folder = tempfile.TemporaryDirectory(prefix="buyersync-bench-")
        url = f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}"
    engine = db.make_engine(url)
    service = DealService(engine)
    print(f"database: {db.shown_url(engine.url)}; {args.deals} deals × {args.evidence} evidence")

    t0 = time.perf_counter()
    done, writing = 0, 0.0
    for batch in batches(args.deals, args.commit, args.evidence):
        t1 = time.perf_counter()
        db.in_transaction(engine, lambda conn, b=batch: DealRepository(conn).add_many(b))
        writing += time.perf_counter() - t1
        done += len(batch)
        print(f"\r  {done} deals", end="", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0
    print("", file=sys.stderr)
    rows = args.deals * (2 + args.evidence)  # deal, history, evidence (no snapshots here)
    print(f"bulk import: {args.deals / elapsed:,.0f} deals/s, {rows / elapsed:,.0f} rows/s "
          f"({elapsed:.1f} s with making the rows; the writing alone: "
          f"{args.deals / writing:,.0f} deals/s, {rows / writing:,.0f} rows/s)")

    sample = [Deal.model_validate({"name": f"sample {i}", "evidence": [
        {"text": NOTES[(i + k) % len(NOTES)], "date": f"2026-0{1 + k % 9}-1{k % 10}"}
        for k in range(args.evidence)]}) for i in range(args.sample)]
    service.analyze(sample[0])  # load the locator's model before timing
    t0 = time.perf_counter()
    service.import_deals(sample)
    elapsed = time.perf_counter() - t0
    print(f"analysed import (locate + plan + history replay + write): "
          f"{args.sample / elapsed:,.1f} deals/s on {args.sample} deals")

    print("latency (median of 15):")
    for label, filters in [("list, first page", {}), ("list --stage solution", {"stage": "solution"}),
                           ("list --owner ann", {"owner": "ann"}),
                           ("list --warning following", {"warning": "following"}),
                           ("list --stalled", {"stalled": True}),
                           ("list --stage cost --owner bob", {"stage": "cost", "owner": "bob"})]:
        ms, page = timed(lambda f=filters: service.list(limit=50, **f))
        print(f"  {label:32} {ms:8.1f} ms  ({len(page)} rows)")
    some = service.list(limit=1)[0].id
    ms, _ = timed(lambda: service.get(some))
    print(f"  {'get one deal (with analysis)':32} {ms:8.1f} ms")
    ms, stats = timed(service.stats, runs=3)
    print(f"  {'stats (whole workspace)':32} {ms:8.1f} ms  ({stats.total} deals)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")
    service.close()
    engine.dispose()
    if folder is not None:
        size = (Path(folder.name) / "bench.sqlite3").stat().st_size / 2**20
        print(f"SQLite file: {size:,.0f} MB")
        folder.cleanup()


if __name__ == "__main__":
    main()
