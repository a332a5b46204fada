"""A time-split check of the win probabilities: fit on the deals closed before a cut-off,
score the deals closed after it (Brier score and reliability bins), beside a naive-Bayes
baseline counted the way Odoo's predictive lead scoring counts (frequencies of each value
among won and among lost deals, 0.1 added to every count).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from buyersync.learning import winrate
from buyersync.learning.history import DealHistory
from buyersync.method.stages import Outcome

TRAIN_SHARE = 0.7
MIN_TRAIN, MIN_TEST = 10, 5
BINS = 5
ODOO_SMOOTHING = 0.1


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    n: int
    predicted: float | None
    observed: float | None


@dataclass(frozen=True)
class Backtest:
    cutoff: str
    train: int
    test: int
    brier: float
    baseline_brier: float
    bins: list[Bin]
    baseline_bins: list[Bin]


def naive_bayes(train: Sequence[DealHistory]) -> Callable[[DealHistory], float]:
    """P(won) from the entry stage and the play, each counted separately among won and
    lost deals, 0.1 added to every count (Odoo's smoothing)."""
    won = [d for d in train if d.outcome is Outcome.won]
    lost = [d for d in train if d.outcome is Outcome.lost]
    features: list[Callable[[DealHistory], Any]] = [lambda d: d.entry_stage, lambda d: d.played]

    def likelihood(group: list[DealHistory], deal: DealHistory) -> float:
        p = (len(group) + ODOO_SMOOTHING) / (len(train) + 2 * ODOO_SMOOTHING)
        for f in features:
            hits = sum(1 for d in group if f(d) == f(deal))
            p *= (hits + ODOO_SMOOTHING) / (len(group) + ODOO_SMOOTHING)
        return p

    def predict(deal: DealHistory) -> float:
        a, b = likelihood(won, deal), likelihood(lost, deal)
        return a / (a + b)

    return predict


def _bins(p: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> list[Bin]:
    out = []
    edges = np.linspace(0.0, 1.0, BINS + 1)
    which = np.minimum((p * BINS).astype(int), BINS - 1)
    for i in range(BINS):
        mask = which == i
        n = int(mask.sum())
        out.append(Bin(low=float(edges[i]), high=float(edges[i + 1]), n=n,
                       predicted=round(float(p[mask].mean()), 4) if n else None,
                       observed=round(float(y[mask].mean()), 4) if n else None))
    return out


def backtest(history: Sequence[DealHistory], priors: Mapping[str, Any]) -> Backtest | None:
    """None when there are too few closed deals with dates to split."""
    closed = sorted((d for d in history if d.is_closed and d.closed is not None
                     and d.cell is not None), key=lambda d: (d.closed, d.id))
    if len(closed) < MIN_TRAIN + MIN_TEST:
        return None
    cut = max(MIN_TRAIN, min(len(closed) - MIN_TEST, int(len(closed) * TRAIN_SHARE)))
    cutoff = closed[cut - 1].closed
    assert cutoff is not None
    train = [d for d in closed if d.closed is not None and d.closed <= cutoff]
    test = [d for d in closed if d.closed is not None and d.closed > cutoff]
    if len(test) < MIN_TEST:
        return None
    model = winrate.fit(train, priors, draws=1000)
    baseline = naive_bayes(train)
    y = np.array([d.outcome is Outcome.won for d in test], dtype=float)
    ours = np.array([model.cells[d.cell].win_probability for d in test if d.cell])
    theirs = np.array([baseline(d) for d in test])
    return Backtest(cutoff=cutoff.isoformat(), train=len(train), test=len(test),
                    brier=round(float(np.mean((ours - y) ** 2)), 4),
                    baseline_brier=round(float(np.mean((theirs - y) ** 2)), 4),
                    bins=_bins(ours, y), baseline_bins=_bins(theirs, y))
