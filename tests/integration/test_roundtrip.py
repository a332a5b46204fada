"""Deals go into the workspace and come back out equal: nothing lost, Chinese intact."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from buyersync.method.model import Deal
from buyersync.services.dealdoc import dump_deal
from buyersync.services.dealfile import parse_deal_bytes, read_deal_file
from tests.conftest import CORPUS

CORPUS_FILES = sorted([*CORPUS.glob("deals/*.yaml"), *CORPUS.glob("cases/*.yaml")])


def without_id(deal: Deal) -> Deal:
    return deal.model_copy(update={"id": None})


def rich_deal() -> Deal:
    return Deal.model_validate({
        "name": "综合体设计招标 \"A\" 项目",
        "customer": "某地产集团（华东）",
        "lang": "zh",
        "stage": "solution",
        "evidence": [
            {"text": "客户发来邀标函，要求两周内回应", "date": dt.date(2026, 3, 1),
             "source": "email"},
            {"text": "多行的记录：\n第一行\n  缩进的第二行\n", "date": dt.date(2026, 3, 9)},
            {"text": "  leading spaces, a colon: and # a hash", "source": "note"},
            {"text": "emoji 🚀 and a tab\there"},
        ],
        "drivers": {"problem": "competitor", "requirements": "competitor", "goal": "unknown"},
        "competitors": ["甲设计院", "B Studio"],
        "capabilities": ["hidden_problems", "executive_access"],
        "contacts": [
            {"name": "赵总", "title": "销售副总裁", "role": "economic_buyer", "met": False,
             "attitude": "neutral", "influence": "high"},
            {"name": "Ann", "role": "coach", "met": True},
            {"name": "Old VP", "role": "executive", "met": True, "left": True},
        ],
        "exchange": "pending",
        "planned_actions": [{"kind": "product_demo", "text": "下周给客户演示产品"},
                            {"kind": "other"}],
        "outcome": "lost",
        "lost_reason": "价格太高",
        "amount": 1234567.89,
        "currency": "CNY",
        "owner": "林晓",
        "opened": dt.date(2026, 2, 10),
        "closed": dt.date(2026, 6, 30),
        "entry_stage": "requirements",
        "played": "follow",
    })


def test_a_deal_with_every_field_comes_back_equal(real_service):
    original = rich_deal()
    deal_id = real_service.create(original)
    exported = real_service.export(deal_id)
    assert exported.id == deal_id and without_id(exported) == original


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_an_exported_file_imports_back_to_an_equal_deal(real_service, fmt):
    deal_id = real_service.create(rich_deal())
    text = dump_deal(real_service.export(deal_id), fmt)
    assert "综合体设计招标" in text and "\\u" not in text
    if fmt == "yaml":
        assert "date: 2026-03-01" in text  # a YAML date, not a quoted string
    again = parse_deal_bytes(text.encode("utf-8"), f"deal.{fmt}")
    assert again == real_service.export(deal_id)
    # and a file that carries the id replaces the deal rather than duplicating it
    assert real_service.create(again, cause="import") == deal_id
    assert real_service.count() == 1


def test_every_corpus_deal_and_case_round_trips(real_service, corpus):
    assert CORPUS_FILES, "the corpus has deal files"
    originals = [read_deal_file(str(p)) for p in CORPUS_FILES]
    saved = real_service.import_deals(originals)
    for path, original, (deal_id, name) in zip(CORPUS_FILES, originals, saved, strict=True):
        exported = real_service.export(deal_id)
        assert without_id(exported) == original, path.name
        assert name == original.name
        text = dump_deal(exported, "yaml")
        assert without_id(parse_deal_bytes(text.encode(), "x.yaml")) == original, path.name


def test_the_stored_analysis_brief_matches_a_fresh_analysis(real_service, corpus):
    for path in CORPUS_FILES[:8]:
        deal_id = real_service.create(read_deal_file(str(path)))
        view = real_service.get(deal_id)
        summary = real_service.list(limit=1)[0]
        assert summary.id == deal_id
        assert (summary.stage, summary.strategy, summary.target_stage) == (
            view.analysis.stage, view.analysis.strategy, view.analysis.target_stage), path.name


def test_the_corpus_files_exist_when_the_corpus_is_present(corpus):
    # the round trips above read CORPUS_FILES: it must name every deal the corpus expects
    # results for (its expect.json files), no fewer and no others, and each must be there
    expected = {(folder, name) for folder in ("deals", "cases")
                for name in json.loads((corpus / folder / "expect.json").read_text("utf-8"))}
    assert len(expected) >= 30
    assert {(p.parent.name, p.name) for p in CORPUS_FILES} == expected
    assert len(CORPUS_FILES) == len(expected) and all(p.is_file() for p in CORPUS_FILES)


def test_a_bulk_import_comes_back_equal_whichever_way_the_rows_are_written(real_service):
    """Past db.COPY_FROM rows a table is written with COPY on PostgreSQL (INSERT on
    SQLite): every field, Chinese, JSON columns, dates and history read back the same."""
    from buyersync.store.db import COPY_FROM

    originals = [rich_deal().model_copy(update={"name": f"批量 {i}"})
                 for i in range(COPY_FROM + 5)]
    saved = real_service.import_deals(originals)
    back = {s.deal.id: s for s in real_service.get_many([i for i, _ in saved])}
    for (deal_id, _), original in zip(saved, originals, strict=True):
        stored = back[deal_id]
        assert without_id(stored.deal) == original
        assert [r.text for r in stored.evidence] == [e.text for e in original.evidence]
        assert stored.history and stored.history[0].to_stage == original.stage
    one = real_service.create(rich_deal())  # a few rows: the INSERT path, same result
    assert without_id(real_service.export(one)) == rich_deal()
