"""Learning recovers a simulated team's known truth: intervals that cover, estimates that
beat raw rates, cycle-time medians close, and a backtest that beats naive Bayes."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest

from buyersync.learning import learn, simulate, winrate
from buyersync.learning.backtest import naive_bayes
from buyersync.learning.history import DealHistory, Spell
from buyersync.learning.rows import histories
from buyersync.learning.survival import kaplan_meier, stall_days
from buyersync.method import knowledge as kb
from buyersync.method.stages import Outcome, Play, Stage

TODAY = dt.date(2026, 12, 1)
SEEDS = (11, 12, 13, 14)


@pytest.fixture(scope="module")
def runs():
    out = []
    for seed in SEEDS:
        rows, truth = simulate.history(seed, 400, today=TODAY)
        out.append((rows, truth, learn(rows, kb.priors(), today=TODAY, stall_default=21)))
    return out


def test_eighty_percent_intervals_cover_the_true_rates_in_about_eighty_percent_of_cells(runs):
    hits = [c.rate.low <= truth.win[key] <= c.rate.high
            for _, truth, learned in runs for key, c in learned.cells.items() if c.rate.n]
    assert len(hits) > 80
    assert 0.7 <= sum(hits) / len(hits) <= 0.92


def test_pooled_estimates_are_closer_to_the_truth_than_raw_win_rates(runs):
    ours, raw = [], []
    for _, truth, learned in runs:
        for key, c in learned.cells.items():
            if c.rate.n:
                ours.append((c.rate.win_probability - truth.win[key]) ** 2)
                raw.append((c.rate.won / c.rate.n - truth.win[key]) ** 2)
    assert math.sqrt(statistics.mean(ours)) < 0.8 * math.sqrt(statistics.mean(raw))


def test_cycle_time_medians_are_close_to_the_true_medians(runs):
    errors = [abs(math.log(c.median_days / truth.median_days[key]))
              for _, truth, learned in runs for key, c in learned.cells.items()
              if c.days_basis == "cell" and c.rate.n >= 10 and c.median_days]
    assert len(errors) > 20
    assert statistics.median(errors) < 0.15  # within about 15% of the truth


def test_the_time_split_brier_score_beats_the_naive_bayes_baseline(runs):
    tests = [learned.backtest for _, _, learned in runs]
    assert all(t is not None for t in tests)
    ours = statistics.mean(t.brier for t in tests if t)
    baseline = statistics.mean(t.baseline_brier for t in tests if t)
    assert ours < baseline


def test_learned_stall_thresholds_are_near_the_true_eightieth_percentile(runs):
    _, truth, learned = runs[0]
    for stage, (days, from_team) in learned.stall_days.items():
        assert from_team
        assert abs(math.log(days / truth.stall_days[stage])) < 0.35, stage


def test_with_no_history_every_cell_has_a_prior_estimate_and_the_basis_stays_priors():
    learned = learn([], kb.priors(), today=TODAY, stall_default=21)
    assert learned.basis == "priors" and learned.closed_deals == 0
    assert len(learned.cells) == 36 and learned.backtest is None and learned.forecast == []
    early = learned.cell(Stage.pain, Play.in_step).rate
    late = learned.cell(Stage.cost, Play.follow).rate
    assert late.win_probability < early.win_probability
    assert all(c.rate.low < c.rate.win_probability < c.rate.high for c in learned.cells.values())
    assert {days for days, _ in learned.stall_days.values()} == {21}


def test_more_history_narrows_a_cells_interval():
    small, _ = simulate.history(3, 60, today=TODAY)
    large, _ = simulate.history(3, 800, today=TODAY)
    key = (Stage.requirements, Play.pull_back)
    width = [winrate.fit(h, kb.priors()).cells[key] for h in (small, large)]
    assert width[1].high - width[1].low < width[0].high - width[0].low


def test_open_deals_count_as_censored_times_and_lengthen_the_median():
    closed = [(d, True) for d in (10, 20, 30)]
    running = [(d, False) for d in (60, 70, 80)]
    only_closed = kaplan_meier(closed)
    both = kaplan_meier(closed + running)
    assert only_closed and both
    assert only_closed.median()[0] == 20 and (both.median()[0] or 0) > 20


def test_a_stage_with_too_few_moves_keeps_the_default_threshold():
    spells = [Spell(Stage.goal, 5.0, True)] * 3 + [Spell(Stage.pain, float(d), True)
                                                   for d in range(1, 11)]
    found = stall_days(spells, default=21)
    assert found[Stage.goal] == (21, False)
    assert found[Stage.pain] == (8, True)


def test_naive_bayes_counts_values_among_won_and_lost_with_a_tenth_added():
    def deal(i: int, stage: Stage, won: bool) -> DealHistory:
        return DealHistory(id=str(i), entry_stage=stage, played=Play.follow,
                           outcome=Outcome.won if won else Outcome.lost, opened=TODAY)

    train = [deal(0, Stage.pain, True), deal(1, Stage.pain, True), deal(2, Stage.cost, False)]
    predict = naive_bayes(train)
    assert predict(deal(9, Stage.pain, True)) > 0.9
    assert predict(deal(9, Stage.cost, True)) < 0.2


def test_missing_history_fields_default_from_evidence_and_the_first_recorded_strategy():
    moment = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    deal = {"id": "d1", "outcome": "won", "opened": dt.date(2026, 1, 10), "closed": None,
            "entry_stage": None, "played": None, "amount": 5.0, "currency": "CNY",
            "stage": "cost", "strategy": "in_step", "created_at": moment,
            "closed_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC)}
    evidence = [{"deal_id": "d1", "position": 0, "date": dt.date(2026, 1, 3), "stage": "pain"},
                {"deal_id": "d1", "position": 1, "date": dt.date(2026, 2, 1), "stage": "goal"}]
    history = [{"deal_id": "d1", "at": moment, "to_stage": "cost", "strategy": "pull_back"}]
    [found] = histories([deal], evidence, history, today=TODAY)
    assert found.entry_stage is Stage.pain and found.played is Play.pull_back
    assert found.closed == dt.date(2026, 5, 1)
    assert found.spells[0] == Spell(Stage.pain, 29.0, True)
    assert found.spells[-1].stage is Stage.goal and not found.spells[-1].ended


def test_a_deal_file_cannot_close_before_it_opened():
    from buyersync.errors import BadInput
    from buyersync.services.dealfile import deal_from_data

    with pytest.raises(BadInput, match="closed"):
        deal_from_data({"name": "x", "opened": "2026-05-01", "closed": "2026-04-01"}, "d.yaml")
    kept = deal_from_data({"name": "x", "opened": "2026-05-01", "closed": "2026-05-01",
                           "entry_stage": "goal", "played": "follow"}, "d.yaml")
    assert kept.played is Play.follow and kept.entry_stage is Stage.goal


def test_the_trade_off_compares_the_recommended_play_with_following_from_the_teams_cells(runs):
    from buyersync.method.model import Deal
    from buyersync.method.planner import plan
    from buyersync.method.stages import Lang
    from buyersync.services.learning import team_tradeoff

    _, _, learned = runs[0]
    deal = Deal.model_validate({"name": "tender", "drivers": {"problem": "competitor"}})
    analysis = plan(deal, stage=Stage.solution, stage_source="given", lang=Lang.en)
    assert analysis.tradeoff.basis == "priors" and analysis.tradeoff.low is None
    trade = team_tradeoff(analysis, learned, Lang.en)
    ours = learned.cell(Stage.solution, Play(analysis.strategy.value))
    follow = learned.cell(Stage.solution, Play.follow)
    assert trade.basis == "team" and trade.n == ours.rate.n
    assert trade.win_probability == round(ours.rate.win_probability, 2)
    assert trade.following_win_probability == round(follow.rate.win_probability, 2)
    assert trade.low is not None and trade.high is not None
    assert trade.low <= trade.win_probability <= trade.high
    assert trade.extra_days == round((ours.median_days or 0) - (follow.median_days or 0))
    too_few = learn([], kb.priors(), today=TODAY, stall_default=21)
    assert team_tradeoff(analysis, too_few, Lang.en) == analysis.tradeoff
