"""Win probability per (entry stage, play) with partial pooling (docs/learning.md).

The model, in the order it is built:
1. Offsets: the shipped priors (rules.yaml), projected onto stage + play effects, give
   every cell a starting log-odds.
2. Main effects: a team intercept, one effect per entry stage and one per play, on top of
   the offsets, fitted by ridge-penalised logistic regression. With no history they are
   zero (the priors); with history they move the whole team, a stage row or a play column,
   so that a cell with two deals still learns from the forty deals around it.
3. Cells: each cell's log-odds is normal around its main-effects value with spread τ,
   τ weighted over a grid by the marginal likelihood of the team's counts; the cell's
   posterior is worked out on a grid of log-odds (exact for one dimension).
Uncertainty in the main effects (their Laplace posterior), in τ and in the cell itself is
carried by drawing from all three; the estimate is the posterior mean and the interval the
10th–90th percentiles (80%).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from buyersync.learning.history import CELLS, PLAYS, DealHistory
from buyersync.method.stages import STAGES, Outcome, Play, Stage

Cell = tuple[Stage, Play]
FloatArray = NDArray[np.float64]

#: prior standard deviations of the main effects on the log-odds scale: the team may be
#: about 2.7× better or worse than the priors overall (1 sd), a stage or a play about 1.8×
SD_TEAM, SD_STAGE, SD_PLAY = 1.0, 0.6, 0.6
#: the grids on which a cell's log-odds and τ (how far cells stray from the main effects,
#: in log-odds) are integrated
ETA_GRID = np.linspace(-8.0, 8.0, 481)
TAU_GRID = np.linspace(0.05, 1.5, 30)
DRAWS = 4000
LEVEL = 0.8


@dataclass(frozen=True)
class CellRate:
    entry_stage: Stage
    played: Play
    n: int
    won: int
    win_probability: float
    low: float
    high: float

    @property
    def raw(self) -> float | None:
        return self.won / self.n if self.n else None


@dataclass(frozen=True)
class WinModel:
    """The fitted cells and the posterior draws behind them (for the forecast)."""

    cells: dict[Cell, CellRate]
    draws: dict[Cell, FloatArray]
    closed_deals: int

    def rate(self, cell: Cell) -> CellRate:
        return self.cells[cell]


def prior_rates(priors: Mapping[str, Any]) -> dict[Cell, float]:
    """The shipped priors (rules.yaml `priors`) as a rate per cell."""
    table = priors["win_probability"]
    walk = float(priors.get("walk_away_win_probability", 0.03))
    out: dict[Cell, float] = {}
    for s in STAGES:
        row = table[s.value]
        out[(s, Play.follow)] = float(row["following"])
        out[(s, Play.in_step)] = float(row["in_step"])
        out[(s, Play.pull_back)] = float(row["pull_back"])
        out[(s, Play.walk_away)] = walk
    return out


def prior_offsets(priors: Mapping[str, Any], x: FloatArray | None = None) -> FloatArray:
    """The priors' log-odds projected onto the main effects (least squares): the model is
    additive, and an interaction kept in the offsets (the priors' walk-away rate is flat
    across stages while following falls steeply) would be carried into every cell of a
    play by the stage effects learned from the other plays."""
    x = _design() if x is None else x
    base = prior_rates(priors)
    target = _logit(np.array([base[c] for c in CELLS]))
    coef, *_ = np.linalg.lstsq(x, target, rcond=None)
    return np.asarray(x @ coef, dtype=np.float64)


def counts(history: Iterable[DealHistory]) -> tuple[FloatArray, FloatArray]:
    """Closed deals and wins per cell, in CELLS order."""
    index = {c: i for i, c in enumerate(CELLS)}
    n = np.zeros(len(CELLS))
    w = np.zeros(len(CELLS))
    for deal in history:
        cell = deal.cell
        if cell is None or not deal.is_closed:
            continue
        n[index[cell]] += 1
        w[index[cell]] += deal.outcome is Outcome.won
    return n, w


def _design() -> FloatArray:
    x = np.zeros((len(CELLS), 1 + len(STAGES) + len(PLAYS)))
    for i, (s, p) in enumerate(CELLS):
        x[i, 0] = 1.0
        x[i, 1 + s.rank] = 1.0
        x[i, 1 + len(STAGES) + PLAYS.index(p)] = 1.0
    return x


def _logit(p: FloatArray) -> FloatArray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.asarray(np.log(p / (1 - p)), dtype=np.float64)


def _expit(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def _fit_main_effects(n: FloatArray, w: FloatArray, offset: FloatArray,
                      x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Ridge logistic regression by Newton's method: the mode and its covariance."""
    sd = np.array([SD_TEAM] + [SD_STAGE] * len(STAGES) + [SD_PLAY] * len(PLAYS))
    penalty = np.diag(1.0 / sd**2)
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        mu = _expit(offset + x @ beta)
        grad = x.T @ (w - n * mu) - penalty @ beta
        hess = x.T @ (x * (n * mu * (1 - mu))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    mu = _expit(offset + x @ beta)
    hess = x.T @ (x * (n * mu * (1 - mu))[:, None]) + penalty
    return beta, np.asarray(np.linalg.inv(hess), dtype=np.float64)


def _normal(x: FloatArray, mean: FloatArray, sd: FloatArray) -> FloatArray:
    return np.asarray(np.exp(-0.5 * ((x - mean) / sd) ** 2) / sd, dtype=np.float64)


def _log_lik(n: float, w: float) -> FloatArray:
    """Binomial log-likelihood of a cell's counts at every grid log-odds."""
    p = _expit(ETA_GRID)
    return np.asarray(w * np.log(p) + (n - w) * np.log1p(-p), dtype=np.float64)


def _tau_weights(n: FloatArray, w: FloatArray, mean: FloatArray) -> FloatArray:
    """Posterior weights of the τ grid: every cell's marginal likelihood,
    the cell's log-odds integrated over the grid."""
    log_lik = np.array([_log_lik(n[i], w[i]) for i in range(len(n))])  # cells × grid
    lik = np.exp(log_lik - log_lik.max(axis=1, keepdims=True))  # scaled per cell: no underflow
    ll = np.zeros(len(TAU_GRID))
    for j, tau in enumerate(TAU_GRID):
        prior = _normal(ETA_GRID[None, :], mean[:, None], np.full((len(n), 1), tau))
        prior /= prior.sum(axis=1, keepdims=True)  # a proper prior on the grid, even for small τ
        ll[j] = np.log((lik * prior).sum(axis=1) + 1e-300).sum()
    # a flat prior on τ over the grid (a prior flat on τ² was tried: wider intervals, no
    # better coverage, slightly larger errors on the simulated histories)
    weights = np.exp(ll - ll.max())
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def fit(history: Iterable[DealHistory], priors: Mapping[str, Any], *,
        seed: int = 0, draws: int = DRAWS) -> WinModel:
    """Win probability with an 80% interval for every (entry stage, play) cell."""
    n, w = counts(history)
    x = _design()
    offset = prior_offsets(priors, x)
    beta, cov = _fit_main_effects(n, w, offset, x)
    rng = np.random.default_rng(seed)
    betas = rng.multivariate_normal(beta, cov, size=draws, method="cholesky")
    mean = offset + x @ beta
    taus = rng.choice(TAU_GRID, size=draws, p=_tau_weights(n, w, mean))
    etas = offset[None, :] + betas @ x.T  # draws × cells: each draw's main-effects log-odds
    step = ETA_GRID[1] - ETA_GRID[0]
    samples = np.empty((draws, len(CELLS)))
    for i in range(len(CELLS)):
        # posterior of the cell's log-odds on the grid, one row per draw
        log_post = _log_lik(n[i], w[i])[None, :] - 0.5 * (
            (ETA_GRID[None, :] - etas[:, i:i + 1]) / taus[:, None]) ** 2
        post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        cdf = np.cumsum(post, axis=1)
        u = rng.random(draws) * cdf[:, -1]
        pick = np.minimum((cdf < u[:, None]).sum(axis=1), len(ETA_GRID) - 1)
        samples[:, i] = _expit(ETA_GRID[pick] + (rng.random(draws) - 0.5) * step)
    lo, hi = np.quantile(samples, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=0)
    mean = samples.mean(axis=0)
    cells = {
        c: CellRate(entry_stage=c[0], played=c[1], n=int(n[i]), won=int(w[i]),
                    win_probability=float(mean[i]), low=float(lo[i]), high=float(hi[i]))
        for i, c in enumerate(CELLS)
    }
    return WinModel(cells=cells, draws={c: samples[:, i] for i, c in enumerate(CELLS)},
                    closed_deals=int(n.sum()))
