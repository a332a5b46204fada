"""Tender checks over HTTP: the API's multipart upload and the deal room's tender panel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.e2e.web_support import csrf_of, demo_deal, local_app
from tests.tender_docs import EN_TENDER, ZH_TENDER, docx_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(local_app(tmp_path)) as c:
        yield c


def test_the_api_checks_an_uploaded_tender_and_answers_the_cli_object(client: TestClient) -> None:
    sheet = b"# IntelliVue X47\n\n| Weight | 3.47 kg |\n| Battery | 4850 mAh |\n"
    response = client.post("/api/v1/tender", files=[
        ("file", ("监护设备.docx", docx_bytes(ZH_TENDER), DOCX)),
        ("datasheet", ("x47.md", sheet, "text/markdown"))])
    assert response.status_code == 200, response.text
    report = response.json()
    assert set(report) >= {"clauses", "flags", "bid_period_days", "summary"}
    assert {f["kind"] for f in report["flags"]} >= {"brand_named", "size_threshold", "short_period"}
    assert report["summary"]["likely_author"]["product"] == "IntelliVue X47"


def test_the_api_refuses_an_unreadable_upload_with_422_naming_the_file(client: TestClient) -> None:
    response = client.post("/api/v1/tender", files=[("file", ("broken.docx", b"PK\x03\x04junk", DOCX))])
    assert response.status_code == 422
    assert "broken.docx" in response.text


def test_the_deal_room_shows_flags_and_letters_and_keeps_the_check_with_the_deal(client: TestClient) -> None:
    deal_id = client.post("/api/v1/deals", json=demo_deal()).json()["id"]
    page = client.get(f"/deals/{deal_id}")
    token = csrf_of(page.text)
    response = client.post(f"/deals/{deal_id}/tender", data={"csrf_token": token},
                           files=[("file", ("rfp.docx", docx_bytes(EN_TENDER), DOCX))])
    assert response.status_code == 200, response.text
    html = response.text
    assert 'id="tender-result"' in html and "<mark>" in html
    assert "FAR 11.104" in html and "Bid protest" in html
    kept = client.get(f"/api/v1/deals/{deal_id}").json()["evidence"]
    assert any((e.get("source") or "").startswith("tender:rfp.docx") for e in kept)
    letter = client.post(f"/deals/{deal_id}/tender-letters/challenge.docx",
                         data={"csrf_token": token, "subject": "Bid protest", "body": "1. Clause 12"})
    assert letter.status_code == 200 and letter.content[:2] == b"PK"


def test_a_tender_upload_without_the_csrf_token_is_refused(client: TestClient) -> None:
    deal_id = client.post("/api/v1/deals", json=demo_deal()).json()["id"]
    response = client.post(f"/deals/{deal_id}/tender", files=[("file", ("rfp.docx", docx_bytes(EN_TENDER), DOCX))])
    assert response.status_code in (400, 403)
