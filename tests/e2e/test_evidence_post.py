"""Adding evidence in the deal room (the HTMX post) analyses the deal once: the page it
answers with, and the views after it, read that analysis from the workspace's cache."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buyersync.config import Settings
from buyersync.method.model import Deal
from buyersync.services.deals import DealService
from buyersync.web.app import create_app
from tests.counting import CountingAnalyzer
from tests.e2e.web_support import csrf_of, demo_deal

NEW_TEXT = "客户说预算已经批了，下个月发标。"


@pytest.fixture
def room(tmp_path: Path):
    settings = Settings(db=f"sqlite:///{tmp_path / 'w.sqlite3'}", team=False,
                        allowed_hosts="testserver")
    service = DealService(settings=settings)
    counting = CountingAnalyzer()
    service.analyze = counting  # type: ignore[assignment]  # cached as the standard one is
    with service, TestClient(create_app(settings, deals=service)) as client:
        deal_id = service.create(Deal.model_validate(demo_deal()))
        yield client, counting, deal_id


@pytest.mark.parametrize("page_lang", ["zh-CN", "en"])
def test_one_evidence_post_runs_one_analysis_in_the_deals_language(room, page_lang):
    client, counting, deal_id = room
    headers = {"Accept-Language": page_lang}
    page = client.get(f"/deals/{deal_id}", headers=headers).text
    counting.calls = 0
    posted = client.post(f"/deals/{deal_id}/evidence", data={
        "text": NEW_TEXT, "csrf_token": csrf_of(page)}, headers=headers | {"HX-Request": "true"})
    # the room shows the new item (highlighted: in pieces between tags)
    assert posted.status_code == 200 and NEW_TEXT in re.sub(r"<[^>]+>", "", posted.text)
    # the demo deal is Chinese: a Chinese room needs only the analysis the post made; an
    # English room one more, the plan in English
    assert counting.calls == (1 if page_lang == "zh-CN" else 2)
    again = client.get(f"/deals/{deal_id}", headers=headers)
    assert again.status_code == 200 and counting.calls == (1 if page_lang == "zh-CN" else 2)
