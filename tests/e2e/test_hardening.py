"""The deal room and the API under an outside tester's probes, on SQLite and on a real
PostgreSQL: no deal takeover, no 500 on odd numbers and strings, no unbounded bodies,
no requests through a rebound host name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from buyersync.config import Settings
from buyersync.services.team import hash_password
from buyersync.store import team as team_store
from buyersync.web.app import create_app
from tests.e2e.web_support import PASSWORD, SECRET, USERS, csrf_of, demo_deal, sign_in


def make_app(db_url: str, *, team: bool, **settings: Any) -> FastAPI:
    options: dict[str, Any] = {"db": db_url, "team": team, "allowed_hosts": "testserver"}
    if team:
        options["secret_key"] = SECRET
    app = create_app(Settings(**options | settings))
    if team:
        for name, (role, group) in USERS.items():
            team_store.add_user(app.state.ctx.engine, name, hash_password(PASSWORD), role, group)
    return app


@pytest.fixture
def local(db_url: str) -> Iterator[TestClient]:
    app = make_app(db_url, team=False)
    with TestClient(app) as client:
        yield client
    app.state.ctx.engine.dispose()


@pytest.fixture
def team(db_url: str) -> Iterator[TestClient]:
    app = make_app(db_url, team=True)
    with TestClient(app) as client:
        yield client
    app.state.ctx.engine.dispose()


def audit(client: TestClient, deal_id: str) -> list[tuple[str, str]]:
    engine = client.app.state.ctx.engine  # type: ignore[attr-defined]
    return [(e["username"], e["action"]) for e in team_store.audit_entries(engine, deal_id)]


# -- 1. no takeover --------------------------------------------------------------------------

def test_creating_a_deal_with_another_sellers_id_is_refused_and_the_owner_keeps_it(team):
    sign_in(team, "bob")
    bobs = team.post("/api/v1/deals", json=demo_deal()).json()["id"]
    team.cookies.clear()
    sign_in(team, "alice")
    taken = team.post("/api/v1/deals", json=demo_deal() | {"id": bobs, "name": "mine now"})
    assert taken.status_code == 409
    assert team.get(f"/api/v1/deals/{bobs}").status_code == 403
    team.cookies.clear()
    sign_in(team, "bob")
    out = team.get(f"/api/v1/deals/{bobs}")
    assert out.status_code == 200 and out.json()["owner"] == "bob"
    assert out.json()["name"] == demo_deal()["name"]
    assert ("alice", "create") not in audit(team, bobs)


def test_creating_with_a_taken_id_is_a_409_in_local_mode_too_and_put_still_changes_it(local):
    first = local.post("/api/v1/deals", json=demo_deal() | {"id": "d-1"})
    assert first.status_code == 201
    again = local.post("/api/v1/deals", json=demo_deal() | {"id": "d-1", "name": "other"})
    assert again.status_code == 409 and "PUT" in again.json()["detail"]
    assert local.get("/api/v1/deals/d-1").json()["name"] == demo_deal()["name"]
    changed = local.put("/api/v1/deals/d-1", json=demo_deal() | {"name": "other"})
    assert changed.status_code == 200 and changed.json()["name"] == "other"


def test_a_put_with_a_stale_if_match_is_refused_and_a_current_one_is_applied(local):
    deal_id = local.post("/api/v1/deals", json=demo_deal()).json()["id"]
    etag = local.get(f"/api/v1/deals/{deal_id}").headers["etag"]
    local.post(f"/api/v1/deals/{deal_id}/evidence", json={"text": "客户说下周再谈"})
    stale = local.put(f"/api/v1/deals/{deal_id}", json=demo_deal() | {"name": "x"},
                      headers={"If-Match": etag})
    assert stale.status_code == 412
    shown = local.get(f"/api/v1/deals/{deal_id}")
    assert shown.json()["name"] == demo_deal()["name"]
    fresh = local.put(f"/api/v1/deals/{deal_id}", json=demo_deal() | {"name": "x"},
                      headers={"If-Match": shown.headers["etag"]})
    assert fresh.status_code == 200 and fresh.json()["name"] == "x"


# -- 5. numbers and strings that used to be 500s ---------------------------------------------

@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_a_non_finite_amount_is_a_422_and_the_lists_keep_working(local, amount):
    body = json.dumps(demo_deal() | {"amount": 0}).replace('"amount": 0', f'"amount": {amount}')
    for method, path in (("POST", "/api/v1/deals"), ("POST", "/api/v1/analyze")):
        response = local.request(method, path, content=body,
                                 headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["field"] == "amount"
    assert local.get("/api/v1/deals").status_code == 200
    assert local.get("/").status_code == 200


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "nul\x00here"])
def test_a_lone_surrogate_or_nul_in_any_string_is_a_422(local, text):
    for path, body in (("/api/v1/deals", demo_deal() | {"name": text}),
                       ("/api/v1/deals", demo_deal() | {"customer": text}),
                       ("/api/v1/locate", {"text": text}),
                       ("/api/v1/analyze", demo_deal() | {"competitors": [text]})):
        raw = json.dumps(body)  # \\ud800 and \\u0000 escapes, as a client would send them
        response = local.post(path, content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, response.text)
    assert local.get("/api/v1/deals").json() == []


def test_a_nul_in_a_path_segment_or_a_filter_is_a_422_not_a_database_error(local):
    assert local.get("/api/v1/deals/a%00b").status_code == 422
    assert local.delete("/api/v1/deals/a%00b").status_code == 422
    assert local.get("/api/v1/deals?owner=a%00b").status_code == 422
    assert local.get("/deals/a%00b").status_code == 422


def test_a_nul_in_a_sign_in_name_is_refused_without_a_server_error(team):
    token = csrf_of(team.get("/signin").text)
    response = team.post("/signin", data={"username": "ali\x00ce", "password": "x",
                                          "csrf_token": token})
    assert response.status_code in (401, 422)


def test_control_characters_in_a_deal_name_still_give_a_word_letter(local):
    deal_id = local.post("/api/v1/deals", json=demo_deal() | {"name": "Tender\x01\x0b\x1f A"}
                         ).json()["id"]
    letters = local.get(f"/api/v1/deals/{deal_id}").json()["analysis"]["letters"]
    assert letters, "the demo deal plans a letter"
    kind = letters[0]["kind"]
    response = local.get(f"/deals/{deal_id}/letters/{kind}.docx")
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    edited = local.post(f"/deals/{deal_id}/letters/{kind}.docx",
                        data={"subject": "Re\x01:\x0c tender", "body": "a\x02b",
                              "csrf_token": csrf_of(local.get(f"/deals/{deal_id}").text)})
    assert edited.status_code == 200 and edited.content[:2] == b"PK"


# -- 6. bounded bodies ----------------------------------------------------------------------

def test_an_anonymous_large_post_to_a_team_server_is_refused_before_it_is_read(team):
    big = b"{" + b" " * (200 * 1024) + b"}"
    response = team.post("/api/v1/deals", content=big,
                         headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_body_over_the_limit_is_a_413_even_without_a_content_length(db_url):
    app = make_app(db_url, team=False, max_body_bytes=64 * 1024)
    with TestClient(app) as client:
        def chunks() -> Iterator[bytes]:
            yield b'{"name": "x", "customer": "'
            for _ in range(100):
                yield b"y" * 1024
            yield b'"}'

        response = client.post("/api/v1/deals", content=chunks(),
                               headers={"content-type": "application/json"})
        assert response.status_code == 413
        small = client.post("/api/v1/deals", json={"name": "fits"})
        assert small.status_code == 201
    app.state.ctx.engine.dispose()


# -- 3. DNS rebinding ------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_local_mode_answers_only_to_loopback_and_configured_host_names(local, host):
    for method, path in (("GET", "/api/v1/deals"), ("GET", "/"), ("DELETE", "/api/v1/deals/x")):
        response = local.request(method, path, headers={"host": host})
        assert response.status_code == 421, (method, path)


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "localhost"])
def test_local_mode_serves_loopback_names(local, host):
    assert local.get("/api/v1/deals", headers={"host": host}).status_code == 200


def test_a_change_sent_from_another_origin_is_refused(local):
    deal_id = local.post("/api/v1/deals", json=demo_deal()).json()["id"]
    for origin in ("http://evil.example", "null", "http://localhost:9999"):
        headers = {"host": "localhost:8000", "origin": origin}
        assert local.delete(f"/api/v1/deals/{deal_id}", headers=headers).status_code == 403
        assert local.post("/api/v1/deals", json=demo_deal(), headers=headers).status_code == 403
    cross = {"host": "localhost:8000", "sec-fetch-site": "cross-site"}
    assert local.delete(f"/api/v1/deals/{deal_id}", headers=cross).status_code == 403
    same = {"host": "localhost:8000", "origin": "http://localhost:8000"}
    assert local.delete(f"/api/v1/deals/{deal_id}", headers=same).status_code == 204


# -- headers ---------------------------------------------------------------------------------

def test_deal_pages_and_api_answers_are_never_cached_but_static_files_may_be(local):
    deal_id = local.post("/api/v1/deals", json=demo_deal()).json()["id"]
    for path in ("/", f"/deals/{deal_id}", f"/api/v1/deals/{deal_id}", "/api/v1/deals"):
        assert local.get(path).headers["cache-control"] == "no-store", path
    assert "no-store" not in local.get("/static/app.css").headers.get("cache-control", "")


def test_https_answers_carry_hsts_and_plain_http_ones_do_not(db_url):
    app = make_app(db_url, team=False)
    with TestClient(app, base_url="https://testserver") as secure:
        assert "max-age=" in secure.get("/api/v1/deals").headers["strict-transport-security"]
    with TestClient(app) as plain:
        assert "strict-transport-security" not in plain.get("/api/v1/deals").headers
    app.state.ctx.engine.dispose()


# -- 4. sessions end when they should ----------------------------------------------------------

def _copied(team: TestClient) -> dict[str, str]:
    return {"buyersync_session": str(team.cookies.get("buyersync_session"))}


def test_a_cookie_copied_before_sign_out_no_longer_works(team):
    sign_in(team, "alice")
    copy = _copied(team)
    assert team.get("/api/v1/deals").status_code == 200
    team.post("/signout", data={"csrf_token": csrf_of(team.get("/").text)})
    with TestClient(team.app, cookies=copy) as thief:
        assert thief.get("/api/v1/deals").status_code == 401
        assert thief.get("/", follow_redirects=False).status_code == 303


def test_a_password_change_ends_the_sessions_signed_in_with_the_old_one(team):
    sign_in(team, "alice")
    copy = _copied(team)
    engine = team.app.state.ctx.engine
    team_store.add_user(engine, "alice", hash_password("a brand new password"), "seller", "north")
    with TestClient(team.app, cookies=copy) as old:
        assert old.get("/api/v1/deals").status_code == 401
    assert sign_in(team, "alice", "a brand new password").status_code == 303
    assert team.get("/api/v1/deals").status_code == 200


# -- 9. the sign-in limit holds across workers -------------------------------------------------

def test_the_sign_in_limit_holds_across_two_server_workers(db_url):
    apps = [make_app(db_url, team=True) for _ in range(2)]  # two workers, one database
    clients = [TestClient(app) for app in apps]
    for i in range(5):
        worker = clients[i % 2]
        assert sign_in(worker, "alice", "wrong password").status_code == 401
    for worker in clients:
        assert sign_in(worker, "alice").status_code == 429, "the right password waits too"
        worker.close()
    for app in apps:
        app.state.ctx.engine.dispose()


# -- 8. the audit log ----------------------------------------------------------------------------

def test_failed_sign_ins_and_refusals_are_audited(team):
    sign_in(team, "bob")
    bobs = team.post("/api/v1/deals", json=demo_deal()).json()["id"]
    team.cookies.clear()
    assert sign_in(team, "alice", "not her password").status_code == 401
    sign_in(team, "alice")
    assert team.get(f"/api/v1/deals/{bobs}").status_code == 403
    engine = team.app.state.ctx.engine
    entries = team_store.audit_entries(engine, limit=50)
    failed = [e for e in entries if e["action"] == "signin_failed"]
    assert failed and failed[0]["username"] == "alice" and failed[0]["detail"]["address"]
    assert ("alice", "forbidden", bobs) in [(e["username"], e["action"], e["deal_id"])
                                            for e in entries]


def test_a_change_and_its_audit_line_commit_together_or_not_at_all(team, monkeypatch):
    sign_in(team, "alice")
    deal_id = team.post("/api/v1/deals", json=demo_deal()).json()["id"]
    assert ("alice", "create") in audit(team, deal_id)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(team_store, "record_on", broken)
    with pytest.raises(RuntimeError):
        team.post(f"/api/v1/deals/{deal_id}/evidence", json={"text": "客户要求报价"})
    monkeypatch.undo()
    texts = [e["text"] for e in team.get(f"/api/v1/deals/{deal_id}").json()["evidence"]]
    assert "客户要求报价" not in texts, "no change without its audit line"
