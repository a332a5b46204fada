"""The MCP tools through the SDK's own client, in process: the same answers as the CLI and
the service, read-only tools marked so, writes that read back."""

from __future__ import annotations

import json
from typing import Any

import anyio
from mcp import Client

from buyersync.mcp import TOOL_NAMES, build_server
from buyersync.services.analysis import analyze
from buyersync.services.dealdoc import deal_document
from buyersync.services.deals import DealService
from tests.conftest import make_deal

TENDER = {"name": "综合体设计招标", "lang": "zh", "stage": "solution",
          "drivers": {"problem": "competitor", "requirements": "competitor"},
          "evidence": [{"text": "客户发来邀标函，要求两周内回应", "date": "2026-03-01"}]}


def call(service: DealService, steps: Any) -> Any:
    async def main() -> Any:
        async with Client(build_server(lambda: service)) as client:
            return await steps(client)
    return anyio.run(main)


def answer(result: Any) -> Any:
    assert not result.is_error, result.content[0].text
    return json.loads(result.content[0].text)


def test_the_tools_are_listed_with_read_only_and_write_marks(real_service: DealService):
    tools = call(real_service, lambda c: c.list_tools()).tools
    assert sorted(t.name for t in tools) == sorted(TOOL_NAMES)
    marks = {t.name: t.annotations.read_only_hint for t in tools}
    assert marks.pop("add_evidence") is False
    assert set(marks.values()) == {True}
    assert all(t.description and t.input_schema["type"] == "object" for t in tools)


def test_analyze_deal_answers_as_the_cli_does_in_the_deals_language(real_service: DealService):
    result = call(real_service, lambda c: c.call_tool("analyze_deal", {"deal": TENDER}))
    data = answer(result)
    from buyersync.services.dealfile import deal_from_data

    assert data == analyze(deal_from_data(TENDER, "deal")).model_dump(mode="json")
    assert result.structured_content == data
    assert data["lang"] == "zh" and any("\u4e00" <= ch <= "\u9fff" for ch in data["questions"][0])


def test_evidence_added_by_an_assistant_reads_back(real_service: DealService):
    deal_id = real_service.create(make_deal(name="Harbour ERP"))

    async def steps(client: Client) -> tuple[Any, Any]:
        added = await client.call_tool("add_evidence", {
            "deal_id": deal_id, "text": "The CFO joins the review next week and asks for the ROI.",
            "date": "2026-04-02", "source": "call"})
        shown = await client.call_tool("get_deal", {"deal_id": deal_id})
        return added, shown

    added, shown = call(real_service, steps)
    view = real_service.get(deal_id)
    assert answer(added) == view.analysis.model_dump(mode="json")
    fields = deal_document(view.deal)
    assert answer(shown) == {**fields, "analysis": view.analysis.model_dump(mode="json")}
    assert answer(shown)["evidence"][-1] == {
        "text": "The CFO joins the review next week and asks for the ROI.",
        "date": "2026-04-02", "source": "call"}


def test_find_deals_and_the_pipeline_summary_match_the_workspace(real_service: DealService):
    real_service.create(make_deal(name="Harbour ERP", owner="ann"))
    real_service.create(make_deal(name="Quay CRM", stage="pain", owner="bob"))

    async def steps(client: Client) -> tuple[Any, Any, Any]:
        return (await client.call_tool("find_deals", {"query": "harbour"}),
                await client.call_tool("find_deals", {"owner": "bob"}),
                await client.call_tool("pipeline_summary", {}))

    by_query, by_owner, summary = call(real_service, steps)
    assert [d["name"] for d in answer(by_query)] == ["Harbour ERP"]
    assert answer(by_owner) == [s.model_dump(mode="json")
                                for s in real_service.list(owner="bob")]
    assert answer(summary) == real_service.stats().model_dump(mode="json")


def test_draft_letter_gives_the_plans_letter_or_says_which_there_are(real_service: DealService):
    from buyersync.services.dealfile import deal_from_data

    deal_id = real_service.create(deal_from_data(TENDER, "deal"))

    async def steps(client: Client) -> tuple[Any, Any]:
        return (await client.call_tool("draft_letter", {"deal_id": deal_id,
                                                        "kind": "exchange_conditions"}),
                await client.call_tool("draft_letter", {"deal_id": deal_id, "kind": "walk_away"}))

    letter, missing = call(real_service, steps)
    expected = [x for x in real_service.get(deal_id).analysis.letters
                if x.kind == "exchange_conditions"][0]
    assert answer(letter) == {**expected.model_dump(mode="json"), "source": "template"}
    assert missing.is_error and "walk_away" in missing.content[0].text


def test_an_unknown_deal_or_a_bad_deal_is_a_tool_error_not_a_crash(real_service: DealService):
    async def steps(client: Client) -> tuple[Any, Any, Any]:
        return (await client.call_tool("get_deal", {"deal_id": "nope"}),
                await client.call_tool("analyze_deal", {"deal": {"stage": "solution"}}),
                await client.call_tool("analyze_deal", {}))

    unknown, nameless, empty = call(real_service, steps)
    assert unknown.is_error and "nope" in unknown.content[0].text
    assert nameless.is_error and "name" in nameless.content[0].text
    assert empty.is_error and "deal_id" in empty.content[0].text
