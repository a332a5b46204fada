"""Thirteen realistic deals: the advice quotes each deal's facts, fits its deadline and
position, and avoids the failures a sales coach found (tests/data/advice, labels in expect.json).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from buyersync.method.facts import concedes
from buyersync.method.model import Analysis, Deal, PlannedAction
from buyersync.method.stages import Lang, Role, Step
from buyersync.services.analysis import analyze

DATA = Path(__file__).resolve().parents[1] / "data" / "advice"
EXPECT = json.loads((DATA / "expect.json").read_text("utf-8"))
NAMES = sorted(k for k in EXPECT if k.endswith(".yaml"))


def load(name: str) -> Deal:
    return Deal.model_validate(yaml.safe_load((DATA / name).read_text("utf-8")))


@cache
def advice(name: str, lang: Lang | None = None) -> Analysis:
    return analyze(load(name), lang=lang)


def says(result: Analysis) -> str:
    return "\n".join(m.say for m in result.moves)


def everything(result: Analysis) -> str:
    parts = [m.title + m.why + m.say for m in result.moves] + result.questions
    parts += [x.subject + x.body for x in result.letters] + [w.message for w in result.warnings]
    parts += [r.text for r in result.reasons]
    return "\n".join(parts)


def codes(result: Analysis) -> set[str]:
    return {w.code.value for w in result.warnings}


def ids(result: Analysis) -> list[str]:
    return [m.id for m in result.moves]


# --- every deal, both languages --------------------------------------------------------

@pytest.mark.parametrize("lang", [Lang.zh, Lang.en])
@pytest.mark.parametrize("name", NAMES)
def test_every_analysis_reads_cleanly_in_both_languages(name, lang):
    result = advice(name, lang)
    text = everything(result)
    assert result.lang is lang
    assert not re.search(r"\{[a-z_]+\}", text), "a placeholder was left unfilled"
    assert "“”" not in text and "「」" not in text and '""' not in text
    assert result.moves and result.questions
    if lang is Lang.en:  # the product's own words are English; only quoted facts may be Chinese
        assert all(m.title.isascii() for m in result.moves)
    else:
        assert all(re.search(r"[\u4e00-\u9fff]", m.title) for m in result.moves)


@pytest.mark.parametrize("name", NAMES)
def test_each_deal_gets_the_coach_labelled_warnings_strategy_and_channel(name):
    want = EXPECT[name]
    result = advice(name)
    assert codes(result) == set(want["warnings"])
    assert result.strategy.value == want["strategy"]
    assert result.channel.value == want["channel"]


@pytest.mark.parametrize("name", NAMES)
def test_no_talk_track_gives_money_away(name):
    for move in advice(name).moves:
        assert not concedes(PlannedAction(text=move.say)), move.id


@pytest.mark.parametrize("name", NAMES)
def test_the_plan_fits_the_deadline(name):
    result = advice(name)
    if result.deadline_days is None:
        return
    assert result.tradeoff is not None
    assert result.tradeoff.extra_days <= result.deadline_days
    assert all(m.day is not None and 1 <= m.day <= result.deadline_days for m in result.moves)


@pytest.mark.parametrize("name", NAMES)
def test_an_economic_buyer_is_never_told_to_ask_their_manager(name):
    deal = load(name)
    met = next((c for c in deal.contacts if c.met and not c.left and c.role is not Role.procurement),
               None)
    if met is None or met.role is not Role.economic_buyer:
        return
    text = says(advice(name)) + "\n".join(advice(name).questions)
    assert "your manager" not in text and "您的领导" not in text


@pytest.mark.parametrize("name", NAMES)
def test_nobody_who_left_is_proposed_for_a_meeting(name):
    gone = [c.name for c in load(name).contacts if c.left]
    result = advice(name)
    for person in gone:
        assert person not in says(result)
        assert all(person not in q for q in result.questions)
        assert all(person not in x.body.split("\n\n", 1)[-1] for x in result.letters)


# --- the coach's situations --------------------------------------------------------------

def test_front_runner_guards_and_answers_the_voiced_concern_instead_of_scaring():
    result = advice("01-front-runner-cutover-risk.yaml")
    assert result.position.value == "front_runner"
    assert result.strategy.value == "in_step"
    assert all(m.step is not Step.scare for m in result.moves)
    assert "risk.raise_executive_risks" not in ids(result)
    assert "roll back" in says(result)  # the plant manager's own worry, quoted back
    assert any("signed off" in r.text or "approved our business case" in r.text
               for r in result.reasons)


def test_champion_left_meets_the_new_vp_and_walks_the_requirements_again():
    result = advice("02-champion-left-new-vp.yaml")
    assert result.position.value == "challenger"
    assert ids(result)[0] == "new_dm.meet_first"
    assert "new_dm.rewalk_with_them" in ids(result)
    assert "Dan Hughes" in next(w.message for w in result.warnings if w.code.value == "champion_left")
    assert "overtime down 30%" in says(result)
    assert "$40k a month" in says(result)


def test_price_squeeze_trades_instead_of_discounting_and_escalates_to_the_buyer():
    result = advice("03-procurement-price-squeeze.yaml")
    assert {"squeeze.give_get_ladder", "squeeze.walk_away_price", "squeeze.escalate_to_value",
            "squeeze.make_bidders_pass_criteria"} <= set(ids(result))
    assert "王总监" in says(result)
    assert "30%" in next(w.message for w in result.warnings if w.code.value == "cheaper_bidders")
    assert result.deadline_days is not None and result.deadline_days <= 7
    assert "断链报废降低一半" in says(result)


def test_public_tender_uses_clarification_and_challenge_not_private_meetings():
    result = advice("04-public-tender-ten-days.yaml")
    assert result.deadline_days == 10
    assert result.tradeoff is not None and result.tradeoff.extra_days == 0
    assert all(m.step not in (Step.meet, Step.letter) for m in result.moves)
    kinds = [x.kind for x in result.letters]
    assert kinds == ["clarification", "challenge"]
    challenge = result.letters[1]
    assert "第二十条" in challenge.body and "本地项目业绩" in challenge.body
    assert "邀请" not in everything(result)  # nobody invited us to a public tender
    assert "private_meeting" in codes(result)


def test_renewal_defends_the_incumbent_with_its_own_delivered_figures():
    result = advice("05-renewal-incumbent.yaml")
    assert result.position.value == "incumbent"
    assert {"renewal.show_what_was_delivered", "renewal.switching_risk"} <= set(ids(result))
    assert "£210k" in everything(result)
    assert "for free" in next(w.message for w in result.warnings
                              if w.code.value == "cheaper_bidders")


def test_lost_deal_gets_a_post_mortem_without_win_probability_or_plan():
    result = advice("06-lost-cheapest-bid.yaml")
    assert result.tradeoff is None
    assert result.diagnosis is not None and result.diagnosis.root_stage.value == "goal"
    assert all(m.id.startswith("pm.lost.") for m in result.moves)
    assert not result.letters
    assert codes(result) == {"following"}
    assert "pm.lost.watch_the_winner" in ids(result)
    dumped = result.model_dump(mode="json")
    assert dumped["tradeoff"] is None


def test_invitation_after_a_failed_pilot_goes_back_to_the_problem_through_it():
    result = advice("07-invited-after-failed-pilot.yaml")
    assert result.target_stage is not None and result.target_stage.value == "problem"
    assert "facts.use_the_failed_pilot" in ids(result)
    assert "pilot failed" in next(m.why for m in result.moves if m.id == "facts.use_the_failed_pilot")
    assert "following" not in codes(result)  # our own idea, they didn't ask


def test_won_deal_guards_delivery_and_the_next_phase():
    result = advice("08-won-lab-automation.yaml")
    assert result.tradeoff is None and result.diagnosis is None
    assert [m.id for m in result.moves] == ["pm.won.record_why", "pm.won.guard_delivery_and_next"]
    assert not result.warnings and not result.letters


def test_unknown_drivers_lead_with_finding_out_and_never_say_too_far():
    result = advice("09-unknown-drivers-measures.yaml")
    assert ids(result)[:2] == ["find_out.who_shaped", "find_out.meet_the_origin"]
    assert "unknown_drivers" in codes(result) and "too_far" not in codes(result)


def test_after_an_accepted_exchange_the_rewrite_is_not_following():
    result = advice("10-exchange-accepted-rewrite.yaml")
    assert "following" not in codes(result)
    assert not [x for x in result.letters if x.kind == "exchange_conditions"]
    assert "from 9 days to 2" in says(result)
    assert result.deadline_days is None  # "9 days" there is a target, not a deadline


def test_the_hidden_problem_a_contact_gave_us_is_used_to_pull_back_to_pain():
    result = advice("11-hidden-problem-from-contact.yaml")
    assert result.target_stage is not None and result.target_stage.value == "pain"
    hidden = next(m for m in result.moves if m.id == "facts.refine_with_hidden_problem")
    assert "齿轮箱" in hidden.say and "工单" in hidden.say
    assert "三年内把非计划停机减少40%" in says(result)
    assert "处理时间减半" not in says(result)  # no invented goal


def test_economic_buyer_is_not_asked_for_the_figure_she_already_gave():
    result = advice("12-economic-buyer-pain-instep.yaml")
    assert not any("how much time or money" in q for q in result.questions)
    assert any("$60k a month" in q for q in result.questions)
    assert "in_step.pain.first_price_question" not in ids(result)  # nobody asked about price


def test_tender_letter_sets_a_condition_to_the_decision_maker_dated_and_signed():
    result = advice("13-private-rfp-ten-days.yaml")
    letter = next(x for x in result.letters if x.kind == "exchange_conditions")
    assert letter.to == "Dear Rachel Moore"
    assert letter.body.startswith(f"{letter.date.isoformat()}\n\nDear Rachel Moore,")
    assert "If you would like us to take part" in letter.body
    for person in ("Victor Lang", "Kim Ashdown", "Leo Grant"):
        assert person in letter.body
    assert "Rachel Moore (COO)" not in letter.body  # not asked to meet the person addressed
    assert letter.body.rstrip().endswith("Kind regards,\nSofia Marin")
    assert "inviting" not in letter.body  # nobody invited us
    assert "10 days" in letter.body
    assert ids(result)[0] == "solution.exchange_conditions"
