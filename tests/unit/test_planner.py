"""The planner follows METHOD.md: strategy, target, moves, warnings, trade-off."""

from __future__ import annotations

import re

import pytest

from buyersync.method.planner import choose_target, plan
from buyersync.method.stages import STAGES, Capability, Lang, Stage, Step, Strategy
from tests.conftest import make_deal


def analyse(deal, lang=Lang.en):
    assert deal.stage is not None
    return plan(deal, stage=deal.stage, stage_source="given", lang=lang)


def codes(result):
    return {w.code.value for w in result.warnings}


# --- strategy -------------------------------------------------------------------------

def test_stays_in_step_when_we_shaped_every_passed_stage():
    result = analyse(make_deal("requirements", "us"))
    assert result.strategy is Strategy.in_step
    assert result.target_stage is Stage.measures


def test_stays_in_step_at_the_very_start_with_nothing_passed():
    result = analyse(make_deal("problem", None))
    assert result.strategy is Strategy.in_step
    assert result.target_stage is Stage.pain


@pytest.mark.parametrize("who", ["competitor", "customer"])
def test_pulls_back_when_others_shaped_a_passed_stage(who):
    result = analyse(make_deal("measures", who, capabilities=["domain_expertise"]))
    assert result.strategy is Strategy.pull_back


def test_pulls_back_when_a_competitor_is_shaping_the_current_stage():
    deal = make_deal("goal", "us", drivers={"problem": "us", "pain": "us", "goal": "competitor"})
    assert analyse(deal).strategy is Strategy.pull_back


def test_pulls_back_and_asks_who_shaped_when_nobody_knows():
    result = analyse(make_deal("measures", None))
    assert result.strategy is Strategy.pull_back
    assert "unknown_drivers" in codes(result)


def test_walks_away_when_the_exchange_conditions_are_refused():
    result = analyse(make_deal("solution", exchange="refused"))
    assert result.strategy is Strategy.walk_away
    assert result.target_stage is None
    assert [letter.kind for letter in result.letters] == ["walk_away"]


def test_does_not_walk_away_from_a_deal_we_shaped_even_if_refused():
    result = analyse(make_deal("solution", "us", exchange="refused"))
    assert result.strategy is Strategy.in_step


def test_in_step_target_at_cost_is_cost_itself():
    assert analyse(make_deal("cost", "us")).target_stage is Stage.cost


# --- targets: every row of METHOD §4 --------------------------------------------------

ROWS = [
    # stage, capabilities, acceptable targets (METHOD §4 "effectively pulls back to")
    ("pain", ["hidden_problems"], {"problem"}),
    ("goal", ["hidden_problems"], {"pain", "goal"}),
    ("goal", [], {"goal"}),
    ("requirements", ["reference_frame"], {"goal", "pain", "problem"}),
    ("requirements", ["hidden_problems"], {"pain"}),
    ("requirements", [], {"goal"}),
    ("measures", [], {"problem"}),
    ("solution", ["domain_expertise"], {"problem"}),
    ("solution", [], {"goal", "measures"}),
    ("value", ["executive_access"], {"goal"}),
    ("risk", [], {"measures"}),
    ("cost", ["reference_frame"], {"value", "goal"}),
    ("cost", [], {"risk"}),
]


@pytest.mark.parametrize(("stage", "caps", "ok"), ROWS)
def test_pull_back_target_follows_the_method_row(stage, caps, ok):
    result = analyse(make_deal(stage, capabilities=caps))
    assert result.strategy is Strategy.pull_back
    assert result.target_stage.value in ok


@pytest.mark.parametrize("stage", STAGES)
def test_a_pull_back_never_goes_forward(stage):
    for caps in ([], list(Capability)):
        deal = make_deal(stage.value, capabilities=caps,
                         drivers={s.value: "competitor" for s in STAGES[: stage.rank + 1]})
        result = analyse(deal)
        assert result.strategy is Strategy.pull_back
        assert result.target_stage.rank <= stage.rank
        assert all(a.rank <= stage.rank for a in result.alternatives)


def test_targets_do_not_walk_back_across_ground_we_hold():
    # we shaped problem, pain and goal; the competitor wrote requirements and measures
    target = choose_target(Stage.solution, {Capability.domain_expertise},
                           [Stage.requirements, Stage.measures])
    assert target.stage is Stage.goal
    assert Stage.problem in target.alternatives


def test_unsupported_pull_back_warns_too_far_and_takes_the_nearest_target():
    result = analyse(make_deal("value", capabilities=["domain_expertise"]))
    assert result.target_stage is Stage.goal
    assert "too_far" in codes(result)


def test_supported_pull_back_does_not_warn_too_far():
    result = analyse(make_deal("value", capabilities=["reference_frame"]))
    assert "too_far" not in codes(result)


# --- moves ----------------------------------------------------------------------------

@pytest.mark.parametrize("stage", [s for s in STAGES if s is not Stage.problem])
def test_every_pull_back_stage_has_moves_with_talk_tracks(stage):
    result = analyse(make_deal(stage.value, capabilities=list(Capability)))
    assert result.moves, stage
    for move in result.moves:
        assert move.title and move.why and move.say and move.rule


@pytest.mark.parametrize("stage", STAGES)
def test_every_in_step_stage_has_moves(stage):
    result = analyse(make_deal(stage.value, "us"))
    assert result.moves


def test_moves_are_ordered_scare_smash_pull():
    result = analyse(make_deal("solution", capabilities=list(Capability)))
    order = {Step.scare: 0, Step.smash: 1, Step.pull: 2}
    ranks = [order[m.step] for m in result.moves if m.step in order]
    assert len(set(ranks)) >= 2
    assert ranks == sorted(ranks)


def test_moves_needing_a_capability_are_left_out_without_it():
    with_caps = analyse(make_deal("pain", capabilities=list(Capability)))
    without = analyse(make_deal("pain", capabilities=[]))
    assert len(without.moves) < len(with_caps.moves)


def test_tender_plan_has_the_exchange_letter_and_core_questions_per_key_person():
    deal = make_deal("solution", customer="Acme Health", contacts=[
        {"name": "Dr Lee", "title": "CMO", "role": "executive"},
        {"name": "Sam", "title": "IT lead", "role": "evaluator", "met": True}])
    result = analyse(deal)
    letter = next(x for x in result.letters if x.kind == "exchange_conditions")
    assert "Acme Health" in letter.body + letter.subject
    assert sum("Dr Lee" in q for q in result.questions) >= 3


def test_no_exchange_letter_once_the_customer_accepted():
    result = analyse(make_deal("solution", exchange="accepted"))
    assert not result.letters
    assert any(m.step is Step.meet for m in result.moves)


def test_talk_tracks_follow_the_deal_language():
    zh = analyse(make_deal("measures", lang="zh"), Lang.zh)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.moves[0].say)
    en = analyse(make_deal("measures"), Lang.en)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en.moves[0].say)


def _plan_text(result) -> str:
    parts = [t for m in result.moves for t in (m.title, m.why, m.say)]
    parts += [t for x in result.letters for t in (x.subject, x.body)]
    parts += [*result.questions, *(w.message for w in result.warnings)]
    if result.diagnosis:
        parts.append(result.diagnosis.explanation)
    return "\n".join(parts)


@pytest.mark.parametrize("lang", list(Lang))
def test_competitor_name_is_woven_into_the_plan(lang):
    # the loss diagnosis names the competitor that shaped the lost stage, in either language
    lost = make_deal("solution", competitors=["Zentrix", "Bolt AG"], customer="Acme",
                     outcome="lost", lang=lang.value)
    explanation = analyse(lost, lang).diagnosis.explanation
    assert "Zentrix" in explanation and "Bolt AG" in explanation
    # an open plan addresses the customer by name and leaves no placeholder of the playbook
    text = _plan_text(analyse(make_deal("solution", competitors=["Zentrix"], customer="Acme",
                                        lang=lang.value), lang))
    assert "Acme" in text
    assert not re.search(r"\{[a-z_]+\}", text), re.findall(r"\{[a-z_]+\}", text)


# --- warnings -------------------------------------------------------------------------

def test_following_when_answering_as_asked_after_a_competitor_shaped_the_process():
    deal = make_deal("solution", planned_actions=[{"kind": "quote", "text": "quote as asked"}])
    assert "following" in codes(analyse(deal))


def test_no_following_when_the_plan_is_to_meet_people():
    deal = make_deal("solution", planned_actions=[{"kind": "meeting", "text": "meet the CFO"}])
    assert "following" not in codes(analyse(deal))


def test_no_following_when_we_shaped_the_process():
    deal = make_deal("solution", "us", planned_actions=[{"kind": "proposal"}])
    assert "following" not in codes(analyse(deal))


def test_no_following_when_only_the_customer_shaped_it():
    deal = make_deal("measures", "customer", planned_actions=[{"kind": "product_demo"}])
    assert "following" not in codes(analyse(deal))


@pytest.mark.parametrize("kind", ["product_demo", "proposal", "quote", "trial"])
def test_pull_forward_when_a_demo_proposal_or_quote_comes_at_problem(kind):
    deal = make_deal("problem", None, planned_actions=[{"kind": kind}])
    assert "pull_forward" in codes(analyse(deal))


def test_no_pull_forward_for_the_next_stage_or_discovery():
    deal = make_deal("measures", "us", planned_actions=[{"kind": "proposal"},
                                                        {"kind": "discovery"}])
    assert "pull_forward" not in codes(analyse(deal))


def test_no_pull_forward_once_formal_evaluation_asks_for_prices():
    deal = make_deal("solution", "us", planned_actions=[{"kind": "quote"}])
    assert "pull_forward" not in codes(analyse(deal))


@pytest.mark.parametrize("stage", ["value", "risk", "cost"])
def test_no_executive_at_executive_stages_without_a_route(stage):
    deal = make_deal(stage, contacts=[{"name": "Pat", "role": "procurement", "met": True},
                                      {"name": "CEO", "role": "economic_buyer", "met": False}])
    assert "no_executive" in codes(analyse(deal))


@pytest.mark.parametrize("route", [
    {"capabilities": ["executive_access"]},
    {"contacts": [{"name": "COO", "role": "executive", "met": True}]},
    {"contacts": [{"name": "Friend", "role": "coach", "met": True}]},
])
def test_no_executive_is_silent_when_an_executive_is_reachable(route):
    assert "no_executive" not in codes(analyse(make_deal("risk", **route)))


def test_no_executive_only_at_executive_stages():
    assert "no_executive" not in codes(analyse(make_deal("solution")))


def test_unknown_drivers_when_most_passed_stages_are_unknown():
    deal = make_deal("solution", None, drivers={"measures": "competitor"})
    assert "unknown_drivers" in codes(analyse(deal))


def test_no_unknown_drivers_when_only_the_fast_executive_stages_are_unstated():
    deal = make_deal("cost", None, drivers={s: "competitor" for s in
                                            ["problem", "pain", "goal", "requirements",
                                             "measures", "solution"]})
    assert "unknown_drivers" not in codes(analyse(deal))


def test_warnings_carry_a_message_and_a_rule():
    # four warnings at once: a demo at the problem stage, as asked, with nobody knowing who
    # shaped the passed stages; and a value-stage deal with no executive in reach
    deals = [make_deal("problem", None, planned_actions=[{"kind": "product_demo"}]),
             make_deal("solution", planned_actions=[{"kind": "quote", "text": "quote as asked"}]),
             make_deal("solution", None, drivers={"measures": "competitor"}),
             make_deal("value", contacts=[{"name": "CEO", "role": "economic_buyer", "met": False}])]
    warnings = [w for deal in deals for w in analyse(deal).warnings]
    assert {"pull_forward", "following", "unknown_drivers", "no_executive"} <= {w.code.value for w in warnings}
    for w in warnings:
        assert len(w.message) > 20 and w.rule.startswith("§"), w


# --- trade-off and reasons ------------------------------------------------------------

def test_pulling_back_costs_days_and_beats_following():
    result = analyse(make_deal("solution", capabilities=["reference_frame"]))
    t = result.tradeoff
    assert t.extra_days > 0
    assert t.win_probability > t.following_win_probability


def test_further_pull_back_costs_more_days():
    near = analyse(make_deal("cost", capabilities=[])).tradeoff.extra_days
    far = analyse(make_deal("cost", capabilities=["reference_frame"])).tradeoff.extra_days
    assert far > near


def test_priors_can_be_overridden():
    deal = make_deal("solution", "us")
    from buyersync.method import knowledge as kb

    priors = kb.priors()
    priors["win_probability"] = dict(priors["win_probability"])
    priors["win_probability"]["solution"] = {"following": 0.1, "pull_back": 0.2, "in_step": 0.9}
    result = plan(deal, stage=Stage.solution, stage_source="given", lang=Lang.en, priors=priors)
    assert result.tradeoff.win_probability == 0.9


def test_every_decision_carries_reasons_with_rules():
    result = analyse(make_deal("risk"))
    assert len(result.reasons) >= 2
    assert all(r.rule and r.text for r in result.reasons)


def test_track_marks_current_passed_and_target():
    result = analyse(make_deal("measures"))
    positions = [t.position for t in result.track]
    assert positions[:4] == ["passed"] * 4 and positions[4] == "current"
    assert [t.stage for t in result.track if t.target] == [result.target_stage]


def test_in_step_when_we_took_over_after_the_customer_found_its_problem_alone():
    deal = make_deal("goal", None, drivers={"problem": "customer", "pain": "us"})
    assert analyse(deal).strategy is Strategy.in_step


def test_pull_back_when_the_customer_shaped_the_latest_stage_alone():
    deal = make_deal("measures", None, drivers={"problem": "us", "pain": "us", "goal": "us",
                                                "requirements": "customer"})
    assert analyse(deal).strategy is Strategy.pull_back


def test_an_other_action_whose_text_is_a_demo_counts_as_a_demo():
    deal = make_deal("pain", "us", planned_actions=[{"kind": "other", "text": "Full product demo on Monday"}])
    assert "pull_forward" in codes(analyse(deal))


def test_an_action_that_says_it_does_as_asked_is_following():
    deal = make_deal("measures", planned_actions=[
        {"kind": "meeting", "text": "Run the pilot exactly per their test plan"}])
    assert "following" in codes(analyse(deal))
