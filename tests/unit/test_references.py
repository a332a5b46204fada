"""Frames of reference: the team's own cases are matched to a deal and quoted in its moves."""

from __future__ import annotations

from pathlib import Path

import yaml

from buyersync.method.model import Deal, ReferenceCase
from buyersync.method.references import best_match
from buyersync.services.analysis import analyze

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = [ReferenceCase.model_validate(c) for c in
         yaml.safe_load((DATA / "references" / "cases.yaml").read_text("utf-8"))["cases"]]


def deal(name: str) -> Deal:
    return Deal.model_validate(yaml.safe_load((DATA / "advice" / name).read_text("utf-8")))


def test_the_case_from_the_same_industry_and_problem_is_chosen():
    assert best_match(deal("11-hidden-problem-from-contact.yaml"), CASES).customer == "北方某风电集团"
    assert best_match(deal("01-front-runner-cutover-risk.yaml"), CASES).customer == "Halden Paper Mill"


def test_no_case_is_forced_onto_an_unrelated_deal():
    assert best_match(deal("05-renewal-incumbent.yaml"), CASES) is None
    assert best_match(deal("11-hidden-problem-from-contact.yaml"), []) is None


def test_a_matched_case_is_named_with_its_figures_and_contact_in_the_moves():
    result = analyze(deal("11-hidden-problem-from-contact.yaml"), references=CASES)
    move = next(m for m in result.moves if m.id == "facts.name_the_reference")
    assert "北方某风电集团" in move.say and "55%" in move.say and "刘总工" in move.say
    assert "facts.name_the_reference" not in [
        m.id for m in analyze(deal("11-hidden-problem-from-contact.yaml")).moves]


def test_a_front_runner_hands_its_reference_to_the_executives_first():
    result = analyze(deal("01-front-runner-cutover-risk.yaml"), references=CASES)
    guard = next(m for m in result.moves if m.id == "facts.offer_the_reference_first")
    assert "Halden Paper Mill" in guard.say and "60%" in guard.say
