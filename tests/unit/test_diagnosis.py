"""A lost deal is diagnosed at the earliest stage it was lost, not where the loss showed."""

from __future__ import annotations

from buyersync.method.diagnosis import diagnose
from buyersync.method.model import Deal
from buyersync.method.stages import Driver, Lang, Stage


def lost(drivers, **extra):
    return Deal.model_validate({"name": "Lost one", "outcome": "lost", "drivers": drivers, **extra})


def test_open_deals_have_no_diagnosis():
    deal = Deal(name="open")
    assert diagnose(deal, Stage.cost, {}, Lang.en) is None


def test_root_is_the_first_stage_a_competitor_shaped():
    drivers = {Stage.problem: Driver.us, Stage.pain: Driver.us,
               Stage.requirements: Driver.competitor, Stage.measures: Driver.competitor}
    d = diagnose(lost(drivers, lost_reason="price"), Stage.cost, drivers, Lang.en)
    assert d.root_stage is Stage.requirements
    assert "price" in d.explanation


def test_root_falls_back_to_the_first_stage_we_did_not_shape():
    drivers = {Stage.problem: Driver.us, Stage.pain: Driver.customer}
    d = diagnose(lost(drivers), Stage.solution, drivers, Lang.zh)
    assert d.root_stage is Stage.pain
    assert any("\u4e00" <= ch <= "\u9fff" for ch in d.explanation)


def test_when_we_shaped_everything_the_loss_is_where_it_showed():
    drivers = {s: Driver.us for s in Stage.solution.before()}
    d = diagnose(lost(drivers), Stage.solution, drivers, Lang.en)
    assert d.root_stage is Stage.solution


def test_competitor_shaping_ahead_of_the_recorded_stage_is_ignored():
    drivers = {Stage.problem: Driver.us, Stage.cost: Driver.competitor}
    d = diagnose(lost(drivers), Stage.pain, drivers, Lang.en)
    assert d.root_stage is Stage.pain
