"""The HTTP API and the pages through the real app (FastAPI's TestClient, temp SQLite)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buyersync.config import Settings
from buyersync.store import team as team_store
from tests.e2e.web_support import (
    MOVE_TO_VALUE,
    PASSWORD,
    csrf_of,
    demo_deal,
    local_app,
    sign_in,
    team_app,
)

TENDER = "收到招标文件：10月28日投标截止，要求提交技术方案和分项报价"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(local_app(tmp_path)) as c:
        yield c


@pytest.fixture
def team(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(team_app(tmp_path)) as c:
        yield c


def saved(client: TestClient, **fields: object) -> str:
    response = client.post("/api/v1/deals", json=demo_deal() | fields)
    assert response.status_code == 201, response.text
    deal_id: str = response.json()["id"]
    return deal_id


def test_a_saved_deal_is_the_same_object_from_the_api_and_from_deals_show(client, tmp_path):
    deal_id = saved(client)
    client.post(f"/api/v1/deals/{deal_id}/evidence", json={"text": TENDER})
    api = client.get(f"/api/v1/deals/{deal_id}").json()
    cli = subprocess.run([sys.executable, "-m", "buyersync.cli", "deals", "show", deal_id,
                          "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    shown = json.loads(cli.stdout)
    # the API is `deals show` plus the workspace's timestamps (docs/web.md)
    assert {k: v for k, v in api.items() if k in shown} == shown
    assert set(api) - set(shown) == {"created_at", "updated_at", "stage_since", "days_in_stage", "stalled"}
    assert api["id"] == deal_id and api["evidence"][-1]["text"] == TENDER


# -- locate and analyze ---------------------------------------------------------------------

def test_locate_returns_the_contract_object_for_a_tender_notice(client):
    out = client.post("/api/v1/locate", json={"text": TENDER}).json()
    assert out["stage"] == "solution"
    assert set(out["scores"]) == {"problem", "pain", "goal", "requirements", "measures",
                                  "solution", "value", "risk", "cost"}
    assert abs(sum(out["scores"].values()) - 1) <= 0.01
    assert out["confidence"] == out["scores"]["solution"]
    assert "competitor_led" in out
    assert all(s["text"] in TENDER for s in out["signals"])


@pytest.mark.parametrize(("body", "field"), [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": 42}, "text"),
    ({"text": "x" * 100_001}, "text"),
    ({"text": "ok", "extra": 1}, "extra"),
])
def test_locate_names_the_bad_field_in_a_422(client, body, field):
    response = client.post("/api/v1/locate", json=body)
    assert response.status_code == 422
    out = response.json()
    assert out["field"] == field
    assert field in out["message"]
    assert out["detail"], "FastAPI's list of problems is kept"


def test_locate_refuses_a_body_that_is_not_json(client):
    response = client.post("/api/v1/locate", content=b'{"text": "hi"}',
                           headers={"content-type": "text/plain"})
    assert response.status_code == 422


def test_analyze_returns_the_same_object_as_the_cli(client):
    deal = demo_deal()
    out = client.post("/api/v1/analyze", json=deal).json()
    cli = subprocess.run([sys.executable, "-m", "buyersync.cli", "analyze", "-", "--format", "json"],
                         input=json.dumps(deal, ensure_ascii=False), capture_output=True, text=True,
                         timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert out == json.loads(cli.stdout)
    assert out["strategy"] == "pull_back"
    assert {"stage", "stage_source", "target_stage", "alternatives", "moves", "questions",
            "letters", "warnings", "tradeoff", "diagnosis"} <= set(out)


def test_analyze_answers_in_the_language_asked_for(client):
    out = client.post("/api/v1/analyze?lang=en", json=demo_deal()).json()
    assert out["lang"] == "en"
    # titles come from the playbook alone; talk tracks may quote the deal's Chinese names
    assert out["moves"][0]["title"].isascii()


@pytest.mark.parametrize(("patch", "field"), [
    ({"stage": "nowhere"}, "stage"),
    ({"evidence": [{"text": ""}]}, "evidence.0.text"),
    ({"contacts": [{"name": "x", "role": "boss"}]}, "contacts.0.role"),
    ({"amount": -1}, "amount"),
    ({"drivers": {"problem": "aliens"}}, "drivers.problem"),
    ({"name": None}, "name"),
    ({"colour": "blue"}, "colour"),
])
def test_analyze_names_the_bad_field_in_a_422(client, patch, field):
    response = client.post("/api/v1/analyze", json=demo_deal() | patch)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_analyze_without_a_body_is_a_422_not_a_crash(client):
    assert client.post("/api/v1/analyze").status_code == 422
    assert client.post("/api/v1/analyze", content=b"{not json",
                       headers={"content-type": "application/json"}).status_code == 422


# -- saved deals ----------------------------------------------------------------------------

def test_a_deal_is_created_listed_shown_updated_and_deleted(client):
    deal_id = saved(client)
    listed = client.get("/api/v1/deals").json()
    assert [d["id"] for d in listed] == [deal_id]
    assert {"id", "name", "customer", "stage", "strategy", "updated_at"} <= set(listed[0])

    shown = client.get(f"/api/v1/deals/{deal_id}").json()
    assert shown["id"] == deal_id and shown["name"] == demo_deal()["name"]
    assert shown["analysis"]["strategy"] == "pull_back"
    assert shown["contacts"][0]["name"] == "刘经理"

    changed = demo_deal() | {"name": "改名后的交易", "exchange": "refused"}
    updated = client.put(f"/api/v1/deals/{deal_id}", json=changed)
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "改名后的交易"
    assert updated.json()["analysis"]["strategy"] == "walk_away"

    assert client.delete(f"/api/v1/deals/{deal_id}").status_code == 204
    assert client.get(f"/api/v1/deals/{deal_id}").status_code == 404
    assert client.get("/api/v1/deals").json() == []


def test_evidence_returns_the_new_analysis_and_moves_the_stage(client):
    deal_id = saved(client)
    assert client.get(f"/api/v1/deals/{deal_id}").json()["analysis"]["stage"] == "solution"
    response = client.post(f"/api/v1/deals/{deal_id}/evidence",
                           json={"text": MOVE_TO_VALUE, "date": "2026-10-20", "source": "call"})
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == "value"
    shown = client.get(f"/api/v1/deals/{deal_id}").json()
    assert shown["evidence"][-1] == {"text": MOVE_TO_VALUE, "date": "2026-10-20", "source": "call"}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": "ok", "date": "next tuesday"}, "date"),
    ({"text": "ok", "mood": "happy"}, "mood"),
])
def test_bad_evidence_is_a_422_naming_the_field(client, body, field):
    deal_id = saved(client)
    response = client.post(f"/api/v1/deals/{deal_id}/evidence", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_an_update_whose_id_differs_from_the_address_is_a_422_naming_id(client):
    deal_id = saved(client)
    response = client.put(f"/api/v1/deals/{deal_id}", json=demo_deal() | {"id": "other"})
    assert response.status_code == 422
    assert response.json()["field"] == "id"


def test_unknown_ids_are_404_on_every_deal_endpoint(client):
    deal = demo_deal()
    assert client.get("/api/v1/deals/nope").status_code == 404
    assert client.put("/api/v1/deals/nope", json=deal).status_code == 404
    assert client.delete("/api/v1/deals/nope").status_code == 404
    assert client.post("/api/v1/deals/nope/evidence", json={"text": "hi"}).status_code == 404
    assert client.get("/api/v1/nothing-here").status_code == 404


def test_the_list_filters_and_names_a_bad_filter(client):
    saved(client)
    assert len(client.get("/api/v1/deals?strategy=pull_back").json()) == 1
    assert client.get("/api/v1/deals?strategy=in_step").json() == []
    assert client.get("/api/v1/deals?stage=solution&limit=5&offset=0").status_code == 200
    bad = client.get("/api/v1/deals?strategy=sideways")
    assert bad.status_code == 422 and bad.json()["field"] == "strategy"
    assert client.get("/api/v1/deals?limit=0").json()["field"] == "limit"


def test_the_openapi_document_describes_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths["/api/v1/deals"]) == {"get", "post"}
    assert set(paths["/api/v1/deals/{deal_id}"]) == {"get", "put", "delete"}
    for path in ("/api/v1/locate", "/api/v1/analyze", "/api/v1/deals/{deal_id}/evidence"):
        assert "post" in paths[path]
    assert not any(p == "/" or p.startswith("/deals") for p in paths), "pages stay out"


# -- pages (local mode) ---------------------------------------------------------------------

def test_the_board_shows_each_deal_under_its_customers_stage(client):
    deal_id = saved(client)
    html = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"}).text
    column = html.split('id="col-solution"')[1].split("</section>")[0]
    assert f"/deals/{deal_id}" in column
    assert "向后拉" in column and "跟着走" in column


def test_an_htmx_request_gets_only_the_fragment(client):
    saved(client)
    full = client.get("/?strategy=pull_back")
    part = client.get("/?strategy=pull_back", headers={"HX-Request": "true"})
    assert full.text.startswith("<!doctype html>")
    assert part.text.lstrip().startswith('<section id="board"')
    assert "<html" not in part.text


def test_the_language_follows_the_browser_until_the_person_switches(client):
    deal_id = saved(client)
    assert "销售看板" in client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"}).text
    assert "Pipeline" in client.get("/", headers={"accept-language": "en-GB,en"}).text
    switched = client.get(f"/lang/en?next=/deals/{deal_id}", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == f"/deals/{deal_id}"
    room = client.get(f"/deals/{deal_id}", headers={"accept-language": "zh-CN"}).text
    assert "Pull back" in room and 'lang="en"' in room
    client.get("/lang/zh")
    assert "向后拉" in client.get(f"/deals/{deal_id}").text


def test_the_language_switch_never_redirects_to_another_site(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"


def test_a_form_post_without_the_csrf_token_is_refused(client):
    deal_id = saved(client)
    response = client.post(f"/deals/{deal_id}/evidence", data={"text": MOVE_TO_VALUE})
    assert response.status_code == 403
    assert len(client.get(f"/api/v1/deals/{deal_id}").json()["evidence"]) == 3


def test_evidence_pasted_in_the_room_updates_the_analysis_in_place(client):
    deal_id = saved(client)
    token = csrf_of(client.get(f"/deals/{deal_id}").text)
    response = client.post(f"/deals/{deal_id}/evidence", data={"text": MOVE_TO_VALUE},
                           headers={"HX-Request": "true", "X-CSRF-Token": token,
                                    "accept-language": "en"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="room"')
    assert "moved from Solution to Value" in response.text
    assert "<mark" in response.text


def test_a_plain_form_post_of_evidence_redirects_back_to_the_room(client):
    deal_id = saved(client)
    token = csrf_of(client.get(f"/deals/{deal_id}").text)
    response = client.post(f"/deals/{deal_id}/evidence",
                           data={"text": MOVE_TO_VALUE, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/deals/{deal_id}"


def test_empty_evidence_is_shown_as_a_problem_in_the_form(client):
    deal_id = saved(client)
    token = csrf_of(client.get(f"/deals/{deal_id}").text)
    response = client.post(f"/deals/{deal_id}/evidence", data={"text": "  ", "csrf_token": token})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text


def test_the_letter_downloads_as_word_and_markdown_with_the_edited_text(client):
    from docx import Document

    deal_id = saved(client)
    page = client.get(f"/deals/{deal_id}", headers={"accept-language": "zh"}).text
    token = csrf_of(page)
    assert "交换条件函" in page
    plain = client.get(f"/deals/{deal_id}/letters/exchange_conditions.docx")
    assert plain.status_code == 200
    assert "attachment" in plain.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(plain.content)).paragraphs)
    assert "智慧仓储管理系统招标" in text

    edited = client.post(f"/deals/{deal_id}/letters/exchange_conditions.docx",
                         data={"subject": "我的主题", "body": "陈总：\n\n改过的正文。",
                               "csrf_token": token})
    doc_text = "\n".join(p.text for p in Document(io.BytesIO(edited.content)).paragraphs)
    assert "我的主题" in doc_text and "改过的正文。" in doc_text
    md = client.post(f"/deals/{deal_id}/letters/exchange_conditions.md",
                     data={"subject": "我的主题", "body": "改过的正文。", "csrf_token": token})
    assert md.text == "# 我的主题\n\n改过的正文。\n"
    assert md.headers["content-type"].startswith("text/markdown")
    assert client.get(f"/deals/{deal_id}/letters/exchange_conditions.pdf").status_code == 404
    assert client.get(f"/deals/{deal_id}/letters/love_letter.md").status_code == 404


def test_quick_analysis_shows_the_stage_the_signals_and_the_plan(client):
    token = csrf_of(client.get("/quick").text)
    response = client.post("/quick", data={"text": TENDER, "shaped_by": "competitor",
                                           "csrf_token": token},
                           headers={"HX-Request": "true", "accept-language": "en"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="quick-result"')
    assert "Solution" in response.text and "<mark" in response.text
    assert "Pull back" in response.text


def test_a_new_deal_from_the_form_opens_its_room(client):
    token = csrf_of(client.get("/deals/new").text)
    response = client.post("/deals", data={"name": "新项目", "text": TENDER,
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    room = client.get(response.headers["location"])
    assert room.status_code == 200 and "新项目" in room.text
    missing = client.post("/deals", data={"name": "", "csrf_token": token})
    assert missing.status_code == 422


def test_an_unknown_deal_page_is_a_404_page(client):
    response = client.get("/deals/nope", headers={"accept-language": "en"})
    assert response.status_code == 404 and "No such page or deal" in response.text


def test_pages_forbid_inline_script_and_framing(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


# -- team mode ------------------------------------------------------------------------------

def test_team_mode_refuses_to_start_without_a_secret_key():
    with pytest.raises(ValueError, match="BUYERSYNC_SECRET_KEY"):
        Settings(team=True, secret_key=None)
    with pytest.raises(ValueError, match="32"):
        Settings(team=True, secret_key="short")


def test_team_mode_api_answers_401_before_sign_in(team):
    assert team.get("/api/v1/deals").status_code == 401
    assert team.post("/api/v1/deals", json=demo_deal()).status_code == 401
    assert team.get("/api/v1/deals/anything").status_code == 401
    assert team.post("/api/v1/analyze", json=demo_deal()).status_code == 401
    assert team.post("/api/v1/locate", json={"text": TENDER}).status_code == 401
    sign_in(team, "alice")
    assert team.post("/api/v1/analyze", json=demo_deal()).status_code == 200


def test_team_mode_pages_send_a_stranger_to_sign_in(team):
    response = team.get("/deals/x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/deals/x"


def test_a_wrong_password_is_refused_and_repeated_tries_are_slowed_down(team):
    assert sign_in(team, "alice", "wrong password").status_code == 401
    assert sign_in(team, "nobody", "whatever-long").status_code == 401
    for _ in range(4):
        sign_in(team, "alice", "wrong password")
    assert sign_in(team, "alice", PASSWORD).status_code == 429, "even the right one, for now"
    assert sign_in(team, "bob").status_code == 303, "another user is not blocked"


def test_signing_in_needs_the_forms_csrf_token(team):
    response = team.post("/signin", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_the_session_cookie_is_httponly_and_samesite_lax(team):
    response = sign_in(team, "alice")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie, "plain http on loopback: a Secure cookie would be dropped"


def test_an_api_call_without_a_cookie_gets_none_and_a_page_gets_one(client):
    located = client.post("/api/v1/locate", json={"text": "We need a new MES by Q3."})
    assert located.status_code == 200
    assert "set-cookie" not in located.headers, "a script calling the API asked for no session"
    page = client.get("/")
    assert "buyersync_session=" in page.headers.get("set-cookie", ""), "a page's forms need a token"


def test_a_page_that_sends_its_session_back_gets_no_new_cookie(client):
    first = client.get("/")
    assert "buyersync_session=" in first.headers.get("set-cookie", "")
    for path in ("/", "/deals/new"):  # the client sends the cookie back: nothing changed
        assert "set-cookie" not in client.get(path).headers, path


def test_a_seller_cannot_read_or_change_another_sellers_deal(team):
    sign_in(team, "bob")
    bobs = team.post("/api/v1/deals", json=demo_deal()).json()["id"]
    team.post("/signout", data={"csrf_token": csrf_of(team.get("/").text)})

    sign_in(team, "alice")
    alices = team.post("/api/v1/deals", json=demo_deal() | {"owner": "bob"}).json()["id"]
    assert team.get(f"/api/v1/deals/{alices}").json()["owner"] == "alice", \
        "a seller's new deal is the seller's"
    assert team.get(f"/api/v1/deals/{bobs}").status_code == 403
    assert team.put(f"/api/v1/deals/{bobs}", json=demo_deal()).status_code == 403
    assert team.delete(f"/api/v1/deals/{bobs}").status_code == 403
    assert team.post(f"/api/v1/deals/{bobs}/evidence", json={"text": "hi"}).status_code == 403
    assert team.get(f"/deals/{bobs}").status_code == 403
    assert [d["id"] for d in team.get("/api/v1/deals").json()] == [alices]
    assert team.get("/api/v1/deals?owner=bob").json() == []


def test_a_manager_sees_the_teams_deals_and_an_admin_sees_all(team):
    ids = {}
    for name in ("alice", "bob"):
        sign_in(team, name)
        ids[name] = team.post("/api/v1/deals", json=demo_deal()).json()["id"]
        team.post("/signout", data={"csrf_token": csrf_of(team.get("/").text)})
    sign_in(team, "mona")
    assert team.get(f"/api/v1/deals/{ids['alice']}").status_code == 200
    assert team.get(f"/api/v1/deals/{ids['bob']}").status_code == 403
    assert [d["id"] for d in team.get("/api/v1/deals").json()] == [ids["alice"]]
    team.post("/signout", data={"csrf_token": csrf_of(team.get("/").text)})
    sign_in(team, "root")
    assert {d["id"] for d in team.get("/api/v1/deals").json()} == set(ids.values())


def test_changes_in_team_mode_are_written_to_the_audit_log(team):
    sign_in(team, "alice")
    deal_id = team.post("/api/v1/deals", json=demo_deal()).json()["id"]
    team.post(f"/api/v1/deals/{deal_id}/evidence", json={"text": MOVE_TO_VALUE})
    team.delete(f"/api/v1/deals/{deal_id}")
    engine = team.app.state.ctx.engine  # type: ignore[attr-defined]
    actions = [(e["username"], e["action"]) for e in team_store.audit_entries(engine, deal_id)]
    assert actions == [("alice", "delete"), ("alice", "evidence"), ("alice", "create")]


def test_a_signed_out_session_cannot_be_used_again_for_pages(team):
    sign_in(team, "alice")
    assert team.get("/").status_code == 200
    team.post("/signout", data={"csrf_token": csrf_of(team.get("/").text)})
    assert team.get("/", follow_redirects=False).status_code == 303


# -- deal room edits ------------------------------------------------------------------------

PASSED = ["problem", "pain", "goal", "requirements", "measures"]  # the tender is at solution


def room_token(client: TestClient, deal_id: str) -> str:
    return csrf_of(client.get(f"/deals/{deal_id}").text)


def htmx(token: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": token, "accept-language": "en"}


def stored(client: TestClient, deal_id: str) -> dict[str, object]:
    data: dict[str, object] = client.get(f"/api/v1/deals/{deal_id}").json()
    return data


def test_the_room_offers_a_driver_select_for_each_passed_stage(client):
    deal_id = saved(client)
    html = client.get(f"/deals/{deal_id}", headers={"accept-language": "en"}).text
    for stage in PASSED:
        assert f'<select id="drv-{stage}" name="driver_{stage}">' in html
    assert 'name="driver_solution"' not in html, "only the stages the customer has passed"
    assert "the customer alone" in html
    zh = client.get(f"/deals/{deal_id}", headers={"accept-language": "zh"}).text
    assert "每个已过阶段由谁主导" in zh and "客户自己" in zh


def test_saving_every_passed_stage_as_ours_turns_the_plan_in_step(client):
    deal_id = saved(client)
    response = client.post(f"/deals/{deal_id}/drivers", headers=htmx(room_token(client, deal_id)),
                           data={f"driver_{s}": "us" for s in PASSED})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="room"')
    assert "strategy changed from pull back to stay in step" in response.text
    out = stored(client, deal_id)
    assert out["drivers"] == dict.fromkeys(PASSED, "us")
    assert out["analysis"]["strategy"] == "in_step"  # type: ignore[index]


def test_a_plain_post_of_an_edit_redirects_back_to_the_room(client):
    deal_id = saved(client)
    response = client.post(f"/deals/{deal_id}/drivers", follow_redirects=False,
                           data={"driver_problem": "customer",
                                 "csrf_token": room_token(client, deal_id)})
    assert response.status_code == 303 and response.headers["location"] == f"/deals/{deal_id}"
    assert stored(client, deal_id)["drivers"] == {"problem": "customer", "pain": "competitor",
                                                  "goal": "competitor",
                                                  "requirements": "competitor",
                                                  "measures": "competitor"}


@pytest.mark.parametrize(("data", "line"), [
    ({"driver_problem": "us", "driver_nonsense": "us"}, "no such stage: nonsense"),
    ({"driver_problem": "us", "driver_value": "us"}, "has not passed this stage yet: value"),
    ({"driver_problem": "friends"}, "driver_problem cannot be friends"),
    ({"problem": "us"}, "unknown field: problem"),
    ({}, "nothing to save"),
])
def test_a_bad_driver_form_is_a_422_with_one_line_and_saves_nothing(client, data, line):
    deal_id = saved(client)
    before = stored(client, deal_id)
    token = room_token(client, deal_id)
    response = client.post(f"/deals/{deal_id}/drivers", data=data, headers=htmx(token))
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<div id="room"'), "swapped in place, not a new page"
    alert = response.text.split('class="alert edit-error" role="alert"')[1].split("</p>")[0]
    assert line in alert and "\n" not in alert.strip()
    plain = client.post(f"/deals/{deal_id}/drivers", data=data | {"csrf_token": token})
    assert plain.status_code == 422 and line in plain.text and "<!doctype html>" in plain.text
    assert stored(client, deal_id)["drivers"] == before["drivers"]


def test_deal_facts_are_saved_together(client):
    deal_id = saved(client)
    token = room_token(client, deal_id)
    response = client.post(f"/deals/{deal_id}/facts", headers=htmx(token), data={
        "exchange": "refused", "capabilities": ["executive_access", "hidden_problems"],
        "competitors": "捷仓科技， Acme ,Acme", "outcome": "lost", "lost_reason": " price "})
    assert response.status_code == 200
    out = stored(client, deal_id)
    assert out["exchange"] == "refused"
    assert out["capabilities"] == ["executive_access", "hidden_problems"]
    assert out["competitors"] == ["捷仓科技", "Acme"]
    assert (out["outcome"], out["lost_reason"]) == ("lost", "price")
    assert "Loss diagnosis" in response.text
    # none checked means none; an open deal keeps no lost reason; "none" clears the exchange
    client.post(f"/deals/{deal_id}/facts", headers=htmx(token), data={
        "exchange": "", "competitors": "", "outcome": "open", "lost_reason": "ignored"})
    out = stored(client, deal_id)
    assert (out.get("exchange"), out.get("capabilities", []), out.get("competitors", []),
            out["outcome"], out.get("lost_reason")) == (None, [], [], "open", None)


@pytest.mark.parametrize(("data", "line"), [
    ({"exchange": "maybe", "outcome": "open"}, "exchange cannot be maybe"),
    ({"capabilities": ["charm"], "outcome": "open"}, "capabilities cannot be charm"),
    ({"outcome": "draw"}, "outcome cannot be draw"),
    ({"outcome": "open", "amount": "5"}, "unknown field: amount"),
    ({"outcome": "open", "competitors": "x" * 201}, "competitors.0"),
])
def test_bad_deal_facts_are_a_422_and_nothing_is_half_saved(client, data, line):
    deal_id = saved(client)
    before = stored(client, deal_id)
    response = client.post(f"/deals/{deal_id}/facts", headers=htmx(room_token(client, deal_id)),
                           data=data | {"competitors": data.get("competitors", "New Rival")})
    assert response.status_code == 422 and line in response.text
    after = stored(client, deal_id)
    keys = ("competitors", "capabilities", "outcome", "exchange")
    assert {k: after.get(k) for k in keys} == {k: before.get(k) for k in keys}


def test_a_contact_is_added_and_removed(client):
    deal_id = saved(client)
    token = room_token(client, deal_id)
    added = client.post(f"/deals/{deal_id}/contacts", headers=htmx(token), data={
        "name": "Li Wei", "title": "CIO", "role": "executive", "met": "on"})
    assert added.status_code == 200 and "Li Wei" in added.text
    contacts = stored(client, deal_id)["contacts"]
    assert contacts[-1] == {"name": "Li Wei", "title": "CIO", "role": "executive",  # type: ignore[index]
                            "met": True}
    removed = client.post(f"/deals/{deal_id}/contacts/remove", headers=htmx(token),
                          data={"index": "0", "name": "刘经理"})
    assert removed.status_code == 200
    names = [c["name"] for c in stored(client, deal_id)["contacts"]]  # type: ignore[attr-defined]
    assert names == ["陈总", "王总监", "赵主管", "Li Wei"]


@pytest.mark.parametrize(("path", "data", "line"), [
    ("contacts", {"name": "  ", "role": "executive"}, "a name is needed"),
    ("contacts", {"name": "Li", "role": "boss"}, "role cannot be boss"),
    ("contacts", {"name": "Li", "met": "perhaps"}, "met cannot be perhaps"),
    ("contacts", {"name": "L" * 201}, "contacts.4.name"),
    ("contacts/remove", {"index": "7"}, "no such item: 7"),
    ("contacts/remove", {"index": "-1"}, "no such item: -1"),
    ("contacts/remove", {"index": "0", "name": "somebody else"}, "the list has changed"),
])
def test_bad_contact_forms_are_a_422_and_change_nothing(client, path, data, line):
    deal_id = saved(client)
    before = stored(client, deal_id)["contacts"]
    response = client.post(f"/deals/{deal_id}/{path}", headers=htmx(room_token(client, deal_id)),
                           data=data)
    assert response.status_code == 422 and line in response.text
    assert stored(client, deal_id)["contacts"] == before


def test_a_planned_action_is_added_and_removed(client):
    deal_id = saved(client)
    token = room_token(client, deal_id)
    added = client.post(f"/deals/{deal_id}/actions", headers=htmx(token),
                        data={"kind": "meeting", "text": "Meet the general manager"})
    assert added.status_code == 200 and "Meet the general manager" in added.text
    actions = stored(client, deal_id)["planned_actions"]
    assert actions[-1] == {"kind": "meeting", "text": "Meet the general manager"}  # type: ignore[index]
    client.post(f"/deals/{deal_id}/actions/remove", headers=htmx(token), data={"index": "1"})
    kinds = [a["kind"] for a in stored(client, deal_id)["planned_actions"]]  # type: ignore[attr-defined]
    assert kinds == ["proposal", "meeting"]
    bad = client.post(f"/deals/{deal_id}/actions", headers=htmx(token),
                      data={"kind": "bribe", "text": "no"})
    assert bad.status_code == 422 and "kind cannot be bribe" in bad.text
    empty = client.post(f"/deals/{deal_id}/actions", headers=htmx(token), data={"kind": "trial"})
    assert empty.status_code == 422 and "say what is to be done" in empty.text
    assert len(stored(client, deal_id)["planned_actions"]) == 2  # type: ignore[arg-type]


def test_an_edit_without_the_csrf_token_is_refused(client):
    deal_id = saved(client)
    response = client.post(f"/deals/{deal_id}/drivers", data={"driver_problem": "us"})
    assert response.status_code == 403
    assert stored(client, deal_id)["drivers"]["problem"] == "competitor"  # type: ignore[index]


def test_a_seller_cannot_edit_another_sellers_deal_in_the_room(team):
    sign_in(team, "bob")
    bobs = team.post("/api/v1/deals", json=demo_deal()).json()["id"]
    team.post("/signout", data={"csrf_token": csrf_of(team.get("/").text)})
    sign_in(team, "alice")
    token = csrf_of(team.get("/").text)
    for path, data in (("drivers", {"driver_problem": "us"}), ("facts", {"outcome": "won"}),
                       ("contacts", {"name": "Mallory"}), ("contacts/remove", {"index": "0"}),
                       ("actions", {"kind": "trial", "text": "x"}),
                       ("actions/remove", {"index": "0"})):
        response = team.post(f"/deals/{bobs}/{path}", data=data | {"csrf_token": token})
        assert response.status_code == 403, path
    team.post("/signout", data={"csrf_token": token})
    sign_in(team, "bob")
    out = team.get(f"/api/v1/deals/{bobs}").json()
    assert out["drivers"]["problem"] == "competitor" and out["outcome"] == "open"
    assert len(out["contacts"]) == 4 and len(out["planned_actions"]) == 2
    # the owner may, and the change is audited as theirs
    token = csrf_of(team.get(f"/deals/{bobs}").text)
    ok = team.post(f"/deals/{bobs}/drivers", data={"driver_problem": "us", "csrf_token": token},
                   follow_redirects=False)
    assert ok.status_code == 303
    engine = team.app.state.ctx.engine  # type: ignore[attr-defined]
    assert ("bob", "update") in [(e["username"], e["action"])
                                 for e in team_store.audit_entries(engine, bobs)]
