"""Learning from the workspace's own history: reads the rows (store/analytics.py), runs the
pure statistics (buyersync.learning) and shapes the `learn` object and the team-based
trade-off. Entry points print what this returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, select

from buyersync.method import knowledge as kb
from buyersync.method.model import Analysis, Tradeoff
from buyersync.method.stages import Lang, Play, Stage, Strategy
from buyersync.store import analytics, db
from buyersync.store.tables import deals
from buyersync.text import t


class LearnCell(BaseModel):
    entry_stage: Stage
    played: Play
    n: int = Field(description="closed deals in the cell")
    won: int
    win_probability: float = Field(description="posterior mean, partially pooled")
    low: float = Field(description="80% interval, lower end")
    high: float
    median_days: int | None = Field(description="median days from opened to closed "
                                                "(Kaplan–Meier, open deals censored)")
    days_low: int | None
    days_high: int | None
    days_basis: Literal["cell", "stage", "team"] | None = Field(
        description="whose deals the cycle time comes from when the cell has too few")


class ForecastRow(BaseModel):
    currency: str
    deals: int
    open_amount: float
    p10: float
    p50: float
    p90: float


class ReliabilityBin(BaseModel):
    low: float
    high: float
    n: int
    predicted: float | None
    observed: float | None


class BacktestView(BaseModel):
    cutoff: str = Field(description="deals closed on or before this date trained the model")
    train: int
    test: int
    brier: float
    baseline_brier: float = Field(description="naive Bayes counted as Odoo does")
    bins: list[ReliabilityBin]
    baseline_bins: list[ReliabilityBin]


class LearnReport(BaseModel):
    """The `learn` object (CONTRACT Additions)."""

    closed_deals: int
    basis: Literal["priors", "team"]
    min_closed: int = Field(description="closed deals needed before `analyze` uses the team's")
    cells: list[LearnCell]
    stall_days: dict[Stage, int]
    stall_learned: list[Stage] = Field(description="stages whose threshold the team's history "
                                                   "set (the others use the default)")
    forecast: list[ForecastRow]
    period_days: int
    backtest: BacktestView | None


def _rows(engine: Engine, today: dt.date) -> list[Any]:
    from buyersync.learning.rows import histories

    deal_rows, ev, hist = db.in_transaction(engine, analytics.learning_rows, write=False)
    return histories(deal_rows, ev, hist, today=today)


def learn(engine: Engine, *, today: dt.date, stall_default: int,
          priors: Mapping[str, Any] | None = None, period_days: int | None = None) -> Any:
    """The team's learning (a `buyersync.learning.TeamLearning`)."""
    from buyersync.learning import learn as fit
    from buyersync.learning.team import PERIOD_DAYS

    return fit(_rows(engine, today), priors if priors is not None else kb.priors(),
               today=today, stall_default=stall_default,
               period_days=period_days or PERIOD_DAYS)


def _int(x: float | None) -> int | None:
    return None if x is None else round(x)


def report(learning: Any) -> LearnReport:
    from buyersync.learning import MIN_CLOSED

    cells = [LearnCell(
        entry_stage=c.rate.entry_stage, played=c.rate.played, n=c.rate.n, won=c.rate.won,
        win_probability=round(c.rate.win_probability, 3), low=round(c.rate.low, 3),
        high=round(c.rate.high, 3), median_days=_int(c.median_days),
        days_low=_int(c.days_low), days_high=_int(c.days_high), days_basis=c.days_basis)
        for c in learning.cells.values()]
    bt = learning.backtest
    return LearnReport(
        closed_deals=learning.closed_deals, basis=learning.basis, min_closed=MIN_CLOSED,
        cells=cells, stall_days={s: v[0] for s, v in learning.stall_days.items()},
        stall_learned=[s for s, v in learning.stall_days.items() if v[1]],
        forecast=[ForecastRow(currency=f.currency, deals=f.deals,
                              open_amount=round(f.open_amount, 2), p10=round(f.p10, 2),
                              p50=round(f.p50, 2), p90=round(f.p90, 2))
                  for f in learning.forecast],
        period_days=learning.period_days,
        backtest=None if bt is None else BacktestView(
            cutoff=bt.cutoff, train=bt.train, test=bt.test, brier=bt.brier,
            baseline_brier=bt.baseline_brier,
            bins=[ReliabilityBin(**vars(b)) for b in bt.bins],
            baseline_bins=[ReliabilityBin(**vars(b)) for b in bt.baseline_bins]))


def closed_signature(engine: Engine) -> tuple[int, Any]:
    """Changes whenever a closed deal is added, edited or removed: the cache key of the
    team's learning (open deals do not move the win probabilities)."""
    closed = deals.c.outcome.in_(("won", "lost"))
    query = select(func.count(), func.max(deals.c.updated_at)).where(closed)
    row = db.in_transaction(engine, lambda conn: conn.execute(query).one(), write=False)
    return int(row[0]), row[1]


def team_tradeoff(analysis: Analysis, learning: Any, lang: Lang) -> Tradeoff:
    """The plan's trade-off from the team's cells when it has enough closed deals: the
    recommended play against following, for a customer entered at its current stage."""
    prior = analysis.tradeoff
    assert prior is not None, "closed deals have no trade-off; the caller skips them"
    if learning is None or learning.basis != "team":
        return prior
    play = Play(analysis.strategy.value)
    ours = learning.cell(analysis.stage, play)
    follow = learning.cell(analysis.stage, Play.follow)
    days = prior.extra_days
    if (analysis.strategy is not Strategy.walk_away and ours.median_days is not None
            and follow.median_days is not None):
        days = round(ours.median_days - follow.median_days)
    if analysis.deadline_days is not None and days > 0:  # a deadline bounds the plan
        days = 0 if analysis.stage is Stage.solution else min(days, analysis.deadline_days)
    text = kb.message("learning", "team_basis", lang, n=learning.closed_deals,
                      cell=ours.rate.n)
    return Tradeoff(
        win_probability=round(ours.rate.win_probability, 2), extra_days=days,
        following_win_probability=round(follow.rate.win_probability, 2), basis="team",
        explanation=text, n=ours.rate.n, low=round(ours.rate.low, 2),
        high=round(ours.rate.high, 2), following_low=round(follow.rate.low, 2),
        following_high=round(follow.rate.high, 2))


def simulated_deals(deals_count: int, *, seed: int = 7, today: dt.date | None = None) -> list[Any]:
    """A simulated team history (buyersync.learning.simulate) as deals to import, each with
    its dated stage moves: the demo workspace for `learn` and the manager's view, with a
    known truth behind it."""
    from buyersync.learning.simulate import history
    from buyersync.method.model import Deal
    from buyersync.store.records import NewDeal

    rows, _truth = history(seed, deals_count, today=today or dt.date.today())
    out = []
    for i, h in enumerate(rows):
        assert h.opened is not None
        stage = h.spells[-1].stage if h.spells else h.entry_stage
        start = dt.datetime.combine(h.opened, dt.time(9), tzinfo=dt.UTC)
        moves, clock = [], 0.0
        for spell in h.spells:
            moves.append((start + dt.timedelta(days=clock), spell.stage))
            clock += spell.days
        closed = (dt.datetime.combine(h.closed, dt.time(17), tzinfo=dt.UTC)
                  if h.closed else None)
        lang = Lang.en if i % 2 else Lang.zh
        deal = Deal.model_validate({
            "id": h.id, "name": t("learn.demo_deal", lang, n=f"{i + 1:04d}"),
            "customer": t("learn.demo_customer", lang, n=i % 37 + 1), "lang": lang, "stage": stage,
            "outcome": h.outcome, "opened": h.opened, "closed": h.closed,
            "entry_stage": h.entry_stage, "played": h.played, "amount": h.amount,
            "currency": h.currency, "owner": f"seller{i % 5 + 1}"})
        out.append(NewDeal(deal=deal, created_at=start, closed_at=closed, stage_moves=moves))
    return out


class FunnelRow(BaseModel):
    stage: Stage
    deals: int
    value: dict[str, float] = Field(description="open amount per currency")


class StalledDeal(BaseModel):
    id: str
    name: str
    customer: str | None
    owner: str | None
    stage: Stage
    days: int
    threshold: int
    learned: bool


class RootRow(BaseModel):
    stage: Stage
    deals: int


class ManagerView(BaseModel):
    """The manager's page and weekly report: one object, rendered by the web layer."""

    today: dt.date
    report: LearnReport
    funnel: list[FunnelRow]
    grid: list[tuple[Stage, list[LearnCell]]] = Field(description="rows: entry stages; "
                                                                   "columns: plays")
    max_days: int
    stalled: list[StalledDeal]
    roots: list[RootRow]


def manager_view(service: Any, open_deals: list[Any], *, period_days: int | None = None
                 ) -> ManagerView:
    """`open_deals`: the open DealSummary rows the viewer may see (the web checks access);
    the learning itself is the whole workspace's, as the team's history."""
    from buyersync.method.stages import STAGES

    today = service.now().date()
    learned = report(service.learning(period_days=period_days))
    funnel = []
    for stage in STAGES:
        here = [d for d in open_deals if d.stage is stage]
        value: dict[str, float] = {}
        for d in here:
            if d.amount and d.currency:
                value[d.currency] = value.get(d.currency, 0.0) + d.amount
        funnel.append(FunnelRow(stage=stage, deals=len(here), value=value))
    by_cell = {(c.entry_stage, c.played): c for c in learned.cells}
    grid = [(s, [by_cell[(s, p)] for p in Play]) for s in STAGES]
    stalled = []
    for d in open_deals:
        days = max(0, (today - d.stage_since.date()).days)
        limit = learned.stall_days.get(d.stage, service.settings.stalled_days)
        if days > limit:
            stalled.append(StalledDeal(id=d.id, name=d.name, customer=d.customer, owner=d.owner,
                                       stage=d.stage, days=days, threshold=limit,
                                       learned=d.stage in learned.stall_learned))
    stalled.sort(key=lambda s: s.days / max(1, s.threshold), reverse=True)
    rows = db.in_transaction(service.engine, analytics.lost_root_stages, write=False)
    roots = sorted((RootRow(stage=r["stage"], deals=r["deals"]) for r in rows),
                   key=lambda r: r.stage.rank)
    max_days = max([c.days_high or c.median_days or 0 for c in learned.cells] + [30])
    return ManagerView(today=today, report=learned, funnel=funnel, grid=grid,
                       max_days=int(max_days), stalled=stalled, roots=roots)
