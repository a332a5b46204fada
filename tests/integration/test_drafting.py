"""Letters personalised by a language model, against a local fake OpenAI-compatible
endpoint: used only when BUYERSYNC_LLM_BASE_URL is set, the prompt shown, the template
kept when the endpoint fails."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from buyersync.config import Settings
from buyersync.mcp import build_server
from buyersync.services.dealfile import deal_from_data
from buyersync.services.deals import DealService
from buyersync.services.drafting import draft

TENDER = {"name": "综合体设计招标", "customer": "华东地产", "lang": "zh", "stage": "solution",
          "drivers": {"problem": "competitor", "requirements": "competitor"},
          "contacts": [{"name": "王总", "title": "副总裁", "role": "economic_buyer"}],
          "evidence": [{"text": "客户发来邀标函，要求两周内回应", "date": "2026-03-01"},
                       {"text": "王总说今年最担心的是交付延期", "date": "2026-03-03"}]}
REPLY = "主题：关于综合体设计的合作方式\n\n王总您好：\n\n我们注意到贵司最担心交付延期……"


class FakeModel:
    """An OpenAI-compatible /chat/completions on loopback that records what it is sent."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = status
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                length = int(self.headers["content-length"])
                fake.requests.append({"path": self.path, "auth": self.headers.get("authorization"),
                                      "body": json.loads(self.rfile.read(length))})
                body = json.dumps({"choices": [{"message": {"role": "assistant",
                                                            "content": REPLY}}]}).encode()
                self.send_response(fake.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeModel:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def model() -> Iterator[FakeModel]:
    with FakeModel() as fake:
        yield fake


def workspace(tmp_path: Path, **settings: Any) -> DealService:
    return DealService(f"sqlite:///{tmp_path}/w.db", settings=Settings(**settings))


def test_with_an_endpoint_the_letter_is_personalised_and_the_prompt_shown(tmp_path: Path,
                                                                          model: FakeModel):
    with workspace(tmp_path, llm_base_url=model.url, llm_model="local-7b",
                   llm_api_key="sk-test") as service:
        view = service.get(service.create(deal_from_data(TENDER, "deal")))
        found = draft(view.deal, view.analysis, "exchange_conditions", service.settings)
    assert found is not None and found.source == "llm"
    assert found.subject == "关于综合体设计的合作方式"
    assert found.body.startswith("王总您好")
    [sent] = model.requests
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    assert sent["body"]["model"] == "local-7b"
    assert sent["body"]["messages"] == found.prompt
    template = [x for x in view.analysis.letters if x.kind == "exchange_conditions"][0]
    user = found.prompt[1]["content"] if found.prompt else ""
    assert "王总说今年最担心的是交付延期" in user and template.body in user
    assert "中文" in found.prompt[0]["content"]  # the deal's language


def test_without_an_endpoint_nothing_is_sent_and_the_template_is_used(tmp_path: Path,
                                                                      model: FakeModel):
    with workspace(tmp_path) as service:
        view = service.get(service.create(deal_from_data(TENDER, "deal")))
        found = draft(view.deal, view.analysis, "exchange_conditions", service.settings)
    template = [x for x in view.analysis.letters if x.kind == "exchange_conditions"][0]
    assert found is not None and (found.source, found.body) == ("template", template.body)
    assert found.prompt is None and model.requests == []


def test_a_failing_endpoint_leaves_the_template_and_says_why(tmp_path: Path):
    with FakeModel(status=500) as broken, workspace(tmp_path, llm_base_url=broken.url) as service:
        view = service.get(service.create(deal_from_data(TENDER, "deal")))
        found = draft(view.deal, view.analysis, "exchange_conditions", service.settings)
    assert found is not None and found.source == "template"
    assert found.note and "500" in found.note and found.prompt


def test_the_mcp_tool_drafts_through_the_configured_model(tmp_path: Path, model: FakeModel):
    with workspace(tmp_path, llm_base_url=model.url) as service:
        deal_id = service.create(deal_from_data(TENDER, "deal"))

        async def main() -> Any:
            async with Client(build_server(lambda: service)) as client:
                return await client.call_tool("draft_letter", {"deal_id": deal_id,
                                                               "kind": "exchange_conditions"})
        result = anyio.run(main)
    data = json.loads(result.content[0].text)
    assert data["source"] == "llm" and data["subject"] == "关于综合体设计的合作方式"
    assert len(model.requests) == 1
