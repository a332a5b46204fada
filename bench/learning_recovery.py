"""How well learning recovers a simulated team's known truth (docs/learning.md).

Prints, per history size: 80%-interval coverage of the true cell rates, RMSE of the
pooled estimates against raw win rates, cycle-time median error, stall-threshold error,
and the time-split Brier score against the naive-Bayes baseline.

    .venv/bin/python bench/learning_recovery.py [--seeds 10] [--sizes 20,60,200,640]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import statistics
import time

from buyersync.learning import learn, simulate
from buyersync.method import knowledge as kb

TODAY = dt.date(2026, 12, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sizes", default="20,60,200,640")
    parser.add_argument("--first-seed", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'deals':>6} {'closed':>7} {'cells':>6} {'cover80':>8} {'rmse':>6} {'raw':>6} "
          f"{'|log med|':>10} {'|log stall|':>11} {'brier':>6} {'naiveB':>7} {'sec':>5}")
    for size in (int(s) for s in args.sizes.split(",")):
        hits, ours, raw, med, stall, brier, base, closed = [], [], [], [], [], [], [], []
        started = time.perf_counter()
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            rows, truth = simulate.history(seed, size, today=TODAY)
            found = learn(rows, kb.priors(), today=TODAY, stall_default=21)
            closed.append(found.closed_deals)
            for key, c in found.cells.items():
                if c.rate.n:
                    hits.append(c.rate.low <= truth.win[key] <= c.rate.high)
                    ours.append((c.rate.win_probability - truth.win[key]) ** 2)
                    raw.append((c.rate.won / c.rate.n - truth.win[key]) ** 2)
                if c.days_basis == "cell" and c.rate.n >= 5 and c.median_days:
                    med.append(abs(math.log(c.median_days / truth.median_days[key])))
            for stage, (days, learned) in found.stall_days.items():
                if learned:
                    stall.append(abs(math.log(days / truth.stall_days[stage])))
            if found.backtest:
                brier.append(found.backtest.brier)
                base.append(found.backtest.baseline_brier)
        secs = (time.perf_counter() - started) / args.seeds

        def mean(xs: list[float]) -> str:
            return f"{statistics.mean(xs):.3f}" if xs else "—"

        print(f"{size:>6} {statistics.mean(closed):>7.0f} {len(hits):>6} "
              f"{sum(hits) / max(1, len(hits)):>8.2f} "
              f"{math.sqrt(statistics.mean(ours)):>6.3f} {math.sqrt(statistics.mean(raw)):>6.3f} "
              f"{(statistics.median(med) if med else float('nan')):>10.3f} "
              f"{(statistics.median(stall) if stall else float('nan')):>11.3f} "
              f"{mean(brier):>6} {mean(base):>7} {secs:>5.2f}")


if __name__ == "__main__":
    main()
