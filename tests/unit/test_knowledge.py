"""The knowledge files are complete: every stage, both languages, valid placeholders."""

from __future__ import annotations

import string

import pytest

from buyersync.method import knowledge as kb
from buyersync.method.stages import STAGES, Capability, Step

PLACEHOLDERS = {"customer", "competitor", "key_people", "next_stage", "target_stage",
                "deal", "contact", "seller", "boss", "decision_maker", "amount", "pain", "goal",
                "hidden", "days", "cheaper", "failed_pilot", "restrictive", "left", "arrived",
                "commitment", "left_or_arrived", "diagnosis", "concern", "reference",
                "reference_problem", "reference_result", "reference_contact"}

LETTER_ONLY = {"to", "date", "owner", "opening", "window", "questions"}


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def all_moves():
    book = kb.playbook()
    for strategy in ("pull_back", "in_step"):
        for stage, moves in book[strategy].items():
            for m in moves:
                yield strategy, stage, m
    for m in book["walk_away"]:
        yield "walk_away", None, m
    for section in ("with_facts", "find_out"):
        for m in book[section]:
            yield section, None, m
    for key, moves in book["position"].items():
        for m in moves:
            yield "position", key, m
    for key, lane in book["channels"].items():
        for m in lane["moves"]:
            yield "channels", key, m
    for key, moves in book["post_mortem"].items():
        for m in moves:
            yield "post_mortem", key, m


def test_every_stage_has_in_step_moves_and_every_reachable_stage_pull_back_moves():
    book = kb.playbook()
    for s in STAGES:
        assert book["in_step"].get(s.value), s
        assert book["pull_back"].get(s.value) or s.value == "problem", s
    assert book["walk_away"]


@pytest.mark.parametrize(("strategy", "stage", "move"), list(all_moves()),
                         ids=lambda v: v["id"] if isinstance(v, dict) else str(v))
def test_each_move_is_complete_in_both_languages(strategy, stage, move):
    assert Step(move["step"])
    for c in move.get("needs_any") or []:
        assert Capability(c)
    for lang in ("zh", "en"):
        for part in ("title", "why", "say"):
            text = move[lang][part]
            assert text.strip()
            assert fields(text) <= PLACEHOLDERS, (move["id"], lang, part)


def test_move_ids_are_unique():
    ids = [m["id"] for _, _, m in all_moves()]
    assert len(ids) == len(set(ids))


def test_questions_and_letters_exist_in_both_languages():
    q = kb.questions()
    assert len(q["core"]) == 3
    for s in STAGES:
        assert q["by_stage"][s.value]
    for kind in ("exchange_conditions", "walk_away", "clarification", "challenge"):
        for lang in ("zh", "en"):
            letter = kb.letters()[kind][lang]
            assert fields(letter["subject"] + letter["body"]) <= PLACEHOLDERS | LETTER_ONLY


def test_rules_cover_every_stage_and_name_real_capabilities():
    rows = kb.rules()["pull_back_targets"]
    for s in STAGES:
        for target in rows[s.value]:
            assert STAGES.index(type(s)(target["stage"])) <= s.rank
            for c in target["needs_any"]:
                assert Capability(c)


def test_lexicon_covers_every_stage_in_both_languages():
    stages = kb.signals()["stages"]
    for s in STAGES:
        assert stages[s.value]["zh"] and stages[s.value]["en"]


def test_messages_exist_in_both_languages():
    for group, items in kb.messages().items():
        for key, texts in items.items():
            assert texts["zh"] and texts["en"], (group, key)
