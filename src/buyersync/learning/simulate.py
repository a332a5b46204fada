"""A realistic team history with a known truth, to show that learning recovers it.

The truth is drawn fresh for each seed and deliberately NOT the shipped priors: a team
base rate, an effect per entry stage (later entry loses more), an effect per play
(following worst, walking away nearly never wins, staying in step best) and a cell-level
deviation. Deals open over `years`, mostly in the middle stages, with plays that depend on
the stage (late entrants follow more often); cycle times are log-normal around a median
that shrinks with later entry and grows by about three weeks for a pull-back; deals whose
closing date falls after `today` are still open. Each deal also carries its time at each
stage it passed, from per-stage exponential-like times with a known 80th percentile.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from buyersync.learning.history import CELLS, PLAYS, DealHistory, Spell
from buyersync.method.stages import STAGES, Outcome, Play, Stage

Cell = tuple[Stage, Play]

ENTRY_WEIGHTS = np.array([0.08, 0.14, 0.13, 0.15, 0.13, 0.18, 0.08, 0.05, 0.06])
PLAY_EFFECT = {Play.follow: -0.8, Play.in_step: 0.6, Play.pull_back: 0.0, Play.walk_away: -2.6}
CYCLE_SIGMA = 0.45


@dataclass(frozen=True)
class Truth:
    win: dict[Cell, float]
    median_days: dict[Cell, float]
    stall_days: dict[Stage, float]
    stage_median_days: dict[Stage, float]


def _play_weights(stage: Stage) -> np.ndarray:
    late = stage.rank / 8
    w = np.array([0.15 + 0.35 * late, 0.45 - 0.3 * late, 0.35, 0.05 + 0.05 * late])
    return np.asarray(w / w.sum())


def truth(seed: int) -> Truth:
    rng = np.random.default_rng(seed)
    base = rng.normal(-0.1, 0.35)
    slope = rng.uniform(0.1, 0.25)
    stage_fx = {s: -slope * s.rank + rng.normal(0, 0.2) for s in STAGES}
    play_fx = {p: v + rng.normal(0, 0.2) for p, v in PLAY_EFFECT.items()}
    win = {}
    median = {}
    for s, p in CELLS:
        z = base + stage_fx[s] + play_fx[p] + rng.normal(0, 0.3)
        win[(s, p)] = 1 / (1 + math.exp(-z))
        days = 150 - 9 * s.rank
        days += {Play.pull_back: 25, Play.follow: -15, Play.walk_away: -60,
                 Play.in_step: 0}[p]
        median[(s, p)] = days * math.exp(rng.normal(0, 0.1))
    # time at each stage: log-normal, the 80th percentile is the true stall threshold
    stage_median = {s: float(rng.uniform(8, 30)) for s in STAGES}
    stall = {s: stage_median[s] * math.exp(0.84 * 0.6) for s in STAGES}
    return Truth(win=win, median_days=median, stall_days=stall, stage_median_days=stage_median)


def history(seed: int, deals: int, *, today: dt.date = dt.date(2026, 12, 1),
            years: float = 2.0) -> tuple[list[DealHistory], Truth]:
    """`deals` deals opened over `years` before `today`, and the truth behind them."""
    t = truth(seed)
    stage_median = t.stage_median_days
    rng = np.random.default_rng(seed + 10_000)
    out = []
    span = int(365 * years)
    for i in range(deals):
        stage = STAGES[int(rng.choice(9, p=ENTRY_WEIGHTS / ENTRY_WEIGHTS.sum()))]
        play = PLAYS[int(rng.choice(4, p=_play_weights(stage)))]
        opened = today - dt.timedelta(days=int(rng.integers(0, span)))
        cycle = t.median_days[(stage, play)] * math.exp(rng.normal(0, CYCLE_SIGMA))
        closes = opened + dt.timedelta(days=max(1, round(cycle)))
        won = bool(rng.random() < t.win[(stage, play)])
        is_open = closes > today
        elapsed = (today - opened).days if is_open else (closes - opened).days
        spells = []
        clock = 0.0
        for s in STAGES[stage.rank:]:
            d = stage_median[s] * math.exp(rng.normal(0, 0.6))
            if clock + d >= elapsed:
                spells.append(Spell(stage=s, days=round(max(0.0, elapsed - clock), 1),
                                    ended=False))
                break
            spells.append(Spell(stage=s, days=round(d, 1), ended=True))
            clock += d
        currency = "CNY" if rng.random() < 0.8 else "USD"
        amount = float(round(math.exp(rng.normal(13.0 if currency == "CNY" else 11.0, 0.8)), -3))
        out.append(DealHistory(
            id=f"sim-{seed}-{i:05d}", entry_stage=stage, played=play,
            outcome=Outcome.open if is_open else (Outcome.won if won else Outcome.lost),
            opened=opened, closed=None if is_open else closes, amount=amount,
            currency=currency, spells=tuple(spells)))
    return out, t
