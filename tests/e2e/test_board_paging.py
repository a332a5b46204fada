"""The board shows a few cards per stage with every stage's full count, pages one column
at a time, and offers every owner to filter by however many deals there are."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from buyersync.services.board import PER_COLUMN
from tests.e2e.web_support import local_app


def cards(html: str, stage: str) -> list[str]:
    column = html.split(f'id="col-{stage}"', 1)[1].split('<section class="column"', 1)[0]
    return re.findall(r'<h3><a href="/deals/[^"]+">([^<]+)</a></h3>', column)


def column_count(html: str, stage: str) -> int:
    found = re.search(rf'id="col-{stage}">.*?colcount">(\d+)<', html, re.S)
    assert found
    return int(found.group(1))


def test_a_long_column_shows_its_newest_cards_its_count_and_pages_on(tmp_path):
    n = PER_COLUMN * 2 + 3
    with TestClient(local_app(tmp_path)) as client:
        for i in range(n):
            done = client.post("/api/v1/deals", json={
                "name": f"Deal {i:02d}", "lang": "en", "stage": "requirements",
                "owner": f"seller{i % 15:02d}"})
            assert done.status_code == 201
        client.post("/api/v1/deals", json={"name": "Lone", "lang": "en", "stage": "value"})
        board = client.get("/").text
        first = cards(board, "requirements")
        # newest first, cut at the cap; the column's count is the whole column
        assert first == [f"Deal {i:02d}" for i in range(n - 1, n - 1 - PER_COLUMN, -1)]
        assert column_count(board, "requirements") == n
        assert cards(board, "value") == ["Lone"]
        assert f"{n + 1} deals" in board
        more = re.search(r'<a href="(/\?[^"]*column=requirements[^"]*)"', board)
        assert more, "a link to the column's next cards"
        second_page = client.get(unescape(more.group(1))).text
        second = cards(second_page, "requirements")
        assert second == [f"Deal {i:02d}" for i in range(n - 1 - PER_COLUMN,
                                                         n - 1 - 2 * PER_COLUMN, -1)]
        assert cards(second_page, "value") == ["Lone"], "other columns stay as they were"
        last = re.search(r'<a href="(/\?[^"]*column=requirements[^"]*page=2[^"]*)"',
                         second_page)
        assert last
        third = cards(client.get(unescape(last.group(1))).text, "requirements")
        assert third == [f"Deal {i:02d}" for i in range(2, -1, -1)]
        # every owner is offered, read with one DISTINCT query (not from the cards shown)
        owners = set(re.findall(r'<option value="(seller\d\d)"', board))
        assert owners == {f"seller{i:02d}" for i in range(15)}


def test_paging_keeps_the_filters_and_a_bad_column_means_the_first_page(tmp_path):
    with TestClient(local_app(tmp_path)) as client:
        for i in range(PER_COLUMN + 1):
            client.post("/api/v1/deals", json={"name": f"Deal {i:02d}", "lang": "en",
                                               "stage": "goal", "owner": "ann"})
        client.post("/api/v1/deals", json={"name": "Bob's", "lang": "en", "stage": "goal",
                                           "owner": "bob"})
        board = client.get("/?owner=ann").text
        assert column_count(board, "goal") == PER_COLUMN + 1
        more = re.search(r'<a href="(/\?[^"]*column=goal[^"]*)"', board)
        assert more and "owner=ann" in more.group(1)
        page = client.get(unescape(more.group(1))).text
        assert cards(page, "goal") == ["Deal 00"]
        odd = client.get("/?column=nonsense&page=3").text
        assert len(cards(odd, "goal")) == PER_COLUMN


def test_the_cached_board_changes_with_any_deal_on_any_worker(tmp_path):
    from buyersync.config import Settings
    from buyersync.web.app import create_app

    db = f"sqlite:///{tmp_path / 'w.sqlite3'}"

    def worker() -> TestClient:
        return TestClient(create_app(Settings(db=db, allowed_hosts="testserver")))

    with worker() as first, worker() as second:
        made = first.post("/api/v1/deals", json={"name": "Old one", "lang": "en",
                                                 "stage": "pain"}).json()["id"]
        assert cards(first.get("/").text, "pain") == ["Old one"]
        assert cards(second.get("/").text, "pain") == ["Old one"]  # from the cache
        second.post("/api/v1/deals", json={"name": "New one", "lang": "en", "stage": "pain"})
        assert cards(first.get("/").text, "pain") == ["New one", "Old one"]
        first.delete(f"/api/v1/deals/{made}")
        assert cards(second.get("/").text, "pain") == ["New one"]
        # each session's own CSRF token, never the mark
        one, other = first.get("/").text, second.get("/").text
        assert "\x00" not in one and one.count('"X-CSRF-Token"') == 1
        assert re.search(r'"X-CSRF-Token": "([^"]+)"', one).group(1) != re.search(  # type: ignore[union-attr]
            r'"X-CSRF-Token": "([^"]+)"', other).group(1)


def test_a_page_number_that_is_not_a_number_is_refused_and_the_board_answers_head(tmp_path):
    # the board reads its own query (a light route, web/pages.py): a page that is not a
    # whole number is a 422 that names the field, as a declared int parameter was
    with TestClient(local_app(tmp_path)) as client:
        refused = client.get("/?column=goal&page=two")
        assert refused.status_code == 422
        assert "page" in refused.text
        assert client.get("/?column=goal&page=2").status_code == 200
        head = client.head("/")
        assert head.status_code == 200 and head.text == ""
