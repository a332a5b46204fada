"""The deal room page cached in the workspace database (web/roomcache.py): two apps on
one workspace stand for two workers; a change made through either shows on the next
view through the other, and each session gets its own CSRF token in the cached page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from buyersync.config import Settings
from buyersync.store import cache
from buyersync.web.app import create_app
from tests.e2e.web_support import csrf_of, demo_deal

NEW_TEXT = "Procurement wants three references from plants of our size before Friday."


def app_on(db: Path) -> TestClient:
    return TestClient(create_app(Settings(db=f"sqlite:///{db}", team=False,
                                          allowed_hosts="testserver")))


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def rooms(client: TestClient) -> int:
    with client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        keys = conn.execute(select(cache.analysis_cache.c.key)).scalars()
        return sum(1 for k in keys if k.startswith("room:"))


def test_a_change_through_one_worker_shows_on_the_next_view_through_the_other(tmp_path):
    db = tmp_path / "w.sqlite3"
    with app_on(db) as first, app_on(db) as second:
        deal_id = first.post("/api/v1/deals", json=demo_deal()).json()["id"]
        page = first.get(f"/deals/{deal_id}")
        assert page.status_code == 200 and rooms(first) == 1
        assert second.get(f"/deals/{deal_id}").text.replace(
            csrf_of(second.get(f"/deals/{deal_id}").text), "") == page.text.replace(
            csrf_of(page.text), ""), "the second worker serves the cached page"
        assert NEW_TEXT not in plain(page.text)
        token = csrf_of(page.text)
        added = first.post(f"/deals/{deal_id}/evidence", data={"text": NEW_TEXT,
                                                               "csrf_token": token})
        assert added.status_code in (200, 303)
        # the room shows the new evidence (highlighted: in pieces between tags)
        assert NEW_TEXT in plain(second.get(f"/deals/{deal_id}").text)


def test_each_session_gets_its_own_token_in_a_cached_page(tmp_path):
    db = tmp_path / "w.sqlite3"
    with app_on(db) as one, app_on(db) as other:
        deal_id = one.post("/api/v1/deals", json=demo_deal()).json()["id"]
        first = one.get(f"/deals/{deal_id}").text
        second = other.get(f"/deals/{deal_id}").text
        assert csrf_of(first) != csrf_of(second)
        assert "\x00" not in first and "\x00" not in second
        # the token works: a form post with it is accepted
        done = other.post(f"/deals/{deal_id}/evidence",
                          data={"text": NEW_TEXT, "csrf_token": csrf_of(second)})
        assert done.status_code in (200, 303)


def test_languages_and_letter_choices_are_cached_apart_and_odd_addresses_not_at_all(tmp_path):
    with app_on(tmp_path / "w.sqlite3") as client:
        deal_id = client.post("/api/v1/deals", json=demo_deal()).json()["id"]
        zh = client.get(f"/deals/{deal_id}", headers={"Accept-Language": "zh-CN"}).text
        en = client.get(f"/deals/{deal_id}", headers={"Accept-Language": "en"}).text
        assert zh != en and '<html lang="zh' in zh and '<html lang="en' in en
        client.get(f"/deals/{deal_id}?letters=en")
        assert rooms(client) == 3
        assert client.get(f"/deals/{deal_id}?x=1").status_code == 200
        assert rooms(client) == 3
        partial = client.get(f"/deals/{deal_id}", headers={"HX-Request": "true"}).text
        assert "<html" not in partial and rooms(client) == 4


def test_a_deleted_deal_is_not_found_even_though_its_room_was_cached(tmp_path):
    with app_on(tmp_path / "w.sqlite3") as client:
        deal_id = client.post("/api/v1/deals", json=demo_deal()).json()["id"]
        client.get(f"/deals/{deal_id}")
        assert client.delete(f"/api/v1/deals/{deal_id}").status_code in (200, 204)
        assert client.get(f"/deals/{deal_id}").status_code == 404


def test_cached_pages_are_answered_before_the_router_as_the_router_answers_them(tmp_path):
    """web/pages.py's LightPages answers the board and the deal room from the cache ahead
    of FastAPI's routing: the same answers (status, headers, page) as an app without it,
    for cached pages and for everything it must leave to the app; and a cached page is
    answered without the app behind it."""
    import asyncio

    from buyersync.web.pages import LightPages

    db = tmp_path / "w.sqlite3"
    routed_app = create_app(Settings(db=f"sqlite:///{db}", team=False, allowed_hosts="testserver"))
    routed_app.user_middleware = [m for m in routed_app.user_middleware if m.cls is not LightPages]
    with app_on(db) as client, TestClient(routed_app) as routed:
        deal_id = client.post("/api/v1/deals", json=demo_deal()).json()["id"]
        paths = [f"/deals/{deal_id}", "/", f"/deals/{deal_id}?letters=en", "/?outcome=all",
                 "/?owner=x", "/deals/new", "/deals/nope", "/?page=abc", f"/deals/{deal_id}/",
                 f"/deals/{deal_id}?x=1"]
        for headers in ({}, {"HX-Request": "true"}, {"Accept-Language": "en"}):
            for path in paths:
                client.get(path, headers=headers)  # the first view fills the cache
                ours = client.get(path, headers=headers, follow_redirects=False)
                theirs = routed.get(path, headers=headers, follow_redirects=False)
                assert ours.status_code == theirs.status_code, path
                assert {k: v for k, v in ours.headers.items() if k != "set-cookie"} == \
                    {k: v for k, v in theirs.headers.items() if k != "set-cookie"}, path
                token = re.compile(r"[A-Za-z0-9_-]{43}")  # each session's CSRF token
                assert token.sub("", ours.text) == token.sub("", theirs.text), path

        async def never(scope: object, receive: object, send: object) -> None:
            raise AssertionError("a cached page went on to the router")

        sent: list[dict[str, object]] = []

        async def keep(message: dict[str, object]) -> None:
            sent.append(message)

        async def nothing() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        for path in (f"/deals/{deal_id}", "/"):
            sent.clear()
            scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                     "query_string": b"", "root_path": "", "headers": [(b"host", b"testserver")],
                     "app": client.app, "session": {"csrf": "the-token"}}
            asyncio.run(LightPages(never)(scope, nothing, keep))
            assert sent[0]["status"] == 200 and b"the-token" in sent[1]["body"]  # type: ignore[operator]
