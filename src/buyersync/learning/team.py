"""Everything the team's history teaches, in one call: win probability and cycle time per
(entry stage, play), stall thresholds per stage, the forecast and the backtest.

Order: cells first (win probability from the closed deals, cycle time from every deal with
open ones censored), then stall thresholds from the time spent at each stage, then the
forecast of the open deals from the cells, then the time-split backtest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from buyersync.learning import backtest as bt
from buyersync.learning import survival, winrate
from buyersync.learning.history import CELLS, DealHistory
from buyersync.method.stages import Play, Stage

#: below this many closed deals `analyze` keeps the priors: with partial pooling the cells
#: are honest from the first deal, but under ~20 the team's own effects are smaller than
#: the noise, and a number labelled "your team" would claim more than it knows
MIN_CLOSED = 20
#: a cell's own cycle-time curve needs this many closed deals; below, its entry stage's
#: (every play pooled), and below that the team's
MIN_EVENTS = 3
PERIOD_DAYS = 90

Cell = tuple[Stage, Play]
DaysBasis = Literal["cell", "stage", "team"]


@dataclass(frozen=True)
class CellReport:
    rate: winrate.CellRate
    median_days: float | None
    days_low: float | None
    days_high: float | None
    days_basis: DaysBasis | None


@dataclass(frozen=True)
class Forecast:
    currency: str
    deals: int
    open_amount: float
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class TeamLearning:
    closed_deals: int
    basis: Literal["priors", "team"]
    cells: dict[Cell, CellReport]
    stall_days: dict[Stage, tuple[int, bool]]
    forecast: list[Forecast]
    period_days: int
    backtest: bt.Backtest | None
    model: winrate.WinModel

    def cell(self, stage: Stage, play: Play) -> CellReport:
        return self.cells[(stage, play)]


def _curves(history: Sequence[DealHistory], today: dt.date
            ) -> dict[Cell, tuple[survival.Curve | None, DaysBasis | None]]:
    times: dict[Any, list[tuple[float, bool]]] = defaultdict(list)
    for deal in history:
        days = deal.days(today)
        if deal.cell is None or days is None:
            continue
        point = (days, deal.is_closed)
        times[deal.cell].append(point)
        times[deal.cell[0]].append(point)
        times["team"].append(point)

    def curve(key: Any) -> survival.Curve | None:
        found = times.get(key, [])
        return survival.kaplan_meier(found) if sum(e for _, e in found) >= MIN_EVENTS else None

    team = curve("team")
    stages = {s: curve(s) for s in {c[0] for c in CELLS}}
    out: dict[Cell, tuple[survival.Curve | None, DaysBasis | None]] = {}
    for cell in CELLS:
        own = curve(cell)
        if own is not None:
            out[cell] = (own, "cell")
        elif stages[cell[0]] is not None:
            out[cell] = (stages[cell[0]], "stage")
        else:
            out[cell] = (team, "team" if team is not None else None)
    return out


def _close_within(curve: survival.Curve | None, age: float, period: int) -> float:
    """P(the deal closes in the next `period` days | it has run `age` days)."""
    if curve is None:
        return 0.5
    alive = curve.at(age)
    if alive <= 1e-9:
        return 1.0
    return float(min(1.0, max(0.0, 1.0 - curve.at(age + period) / alive)))


def _forecast(history: Sequence[DealHistory], model: winrate.WinModel,
              curves: Mapping[Cell, tuple[survival.Curve | None, DaysBasis | None]],
              today: dt.date, period: int, seed: int) -> list[Forecast]:
    rng = np.random.default_rng(seed + 1)
    per_currency: dict[str, list[DealHistory]] = defaultdict(list)
    for deal in history:
        if not deal.is_closed and deal.amount and deal.currency and deal.cell:
            per_currency[deal.currency].append(deal)
    out = []
    for currency in sorted(per_currency):
        deals = per_currency[currency]
        draws = len(next(iter(model.draws.values())))
        total = np.zeros(draws)
        for deal in deals:
            assert deal.cell is not None and deal.amount is not None
            p_win = model.draws[deal.cell]
            p_close = _close_within(curves[deal.cell][0], deal.days(today) or 0.0, period)
            won = rng.random(draws) < p_win * p_close
            total += won * deal.amount
        p10, p50, p90 = np.quantile(total, [0.1, 0.5, 0.9])
        out.append(Forecast(currency=currency, deals=len(deals),
                            open_amount=float(sum(d.amount or 0.0 for d in deals)),
                            p10=float(p10), p50=float(p50), p90=float(p90)))
    return out


def learn(history: Sequence[DealHistory], priors: Mapping[str, Any], *, today: dt.date,
          stall_default: int, period_days: int = PERIOD_DAYS, seed: int = 0,
          with_backtest: bool = True) -> TeamLearning:
    model = winrate.fit(history, priors, seed=seed)
    curves = _curves(history, today)
    cells = {}
    for cell in CELLS:
        curve, basis = curves[cell]
        median, low, high = curve.median() if curve else (None, None, None)
        cells[cell] = CellReport(rate=model.cells[cell], median_days=median, days_low=low,
                                 days_high=high, days_basis=basis if median is not None else None)
    closed = sum(1 for d in history if d.is_closed)
    return TeamLearning(
        closed_deals=closed, basis="team" if closed >= MIN_CLOSED else "priors", cells=cells,
        stall_days=survival.stall_days((s for d in history for s in d.spells), stall_default),
        forecast=_forecast(history, model, curves, today, period_days, seed),
        period_days=period_days,
        backtest=bt.backtest(history, priors) if with_backtest else None, model=model)
