"""A newcomer's path through the deal room in a real browser (Debian's Chromium, headless),
against the real server (`buyersync serve` in a subprocess), in Chinese and in English.

Screenshots go to test-artifacts/screenshots/; with UPDATE_DOC_SCREENSHOTS=1 the four
README pictures in docs/screenshots/ are refreshed too (`make screenshots`).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.web_support import MOVE_TO_VALUE, PASSWORD
from tests.required import missing, need_module

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
DOC_SHOTS = REPO / "docs" / "screenshots"
DEMO = "智慧仓储管理系统招标"  # the surprise-tender demo deal: a tender a competitor shaped
SECRET = "browser-test-secret-key-0123456789abcdefghijkl"
WORDS = {
    "zh": {"board": "销售看板", "here": "客户在这里", "moved": "价值", "word": "下载 Word",
           "switch": "English", "strategy": "向后拉", "forbidden": "你没有权限",
           "signin": "登录", "in_step": "保持同步", "save_drivers": "保存主导方"},
    "en": {"board": "Pipeline", "here": "Customer is here", "moved": "Value",
           "word": "Download Word", "switch": "中文", "strategy": "pull back",
           "forbidden": "not allowed", "signin": "Sign in", "in_step": "stay in step",
           "save_drivers": "Save who shaped them"},
}

if not CHROMIUM.exists():  # CI installs it (scripts/system-deps.sh): never skip there
    missing("no /usr/bin/chromium (run scripts/system-deps.sh)")

sync_api = need_module("playwright.sync_api")


@dataclass
class Server:
    url: str
    db: str
    process: subprocess.Popen[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "buyersync.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=env)


def start(tmp: Path, *extra: str, env: dict[str, str]) -> Server:
    port = free_port()
    db = f"sqlite:///{tmp / 'workspace.sqlite3'}"
    log = tmp / "server.log"
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "buyersync.cli", "serve", "--port", str(port), "--db", db,
             "--demo", *extra], stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return Server(url=url, db=db, process=process, log=log, env=env)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start in time: {log.read_text()}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BUYERSYNC_")}


@pytest.fixture
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh workspace for each walk, so both languages start from the same demo deals."""
    server = start(tmp_path_factory.mktemp("local"), env=clean_env())
    yield server
    stop(server)


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("team")
    env = clean_env() | {"BUYERSYNC_SECRET_KEY": SECRET}
    db = f"sqlite:///{tmp / 'workspace.sqlite3'}"
    for name, role, team in (("alice", "seller", "north"), ("root", "admin", "")):
        args = ["users", "add", name, "--role", role, "--password-stdin", "--db", db]
        done = cli(*args, *(["--team", team] if team else []), env=env, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    server = start(tmp, "--team", env=env)
    yield server
    stop(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(browser: object, lang: str) -> tuple[object, list[str]]:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1360, "height": 900}, accept_downloads=True,
        locale="zh-CN" if lang == "zh" else "en-US")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    return page, problems


def shoot(page: object, name: str, *, full: bool = True, doc: bool = False) -> Path:
    """A screenshot in test-artifacts/; `doc` ones also refresh the README's pictures."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=full)  # type: ignore[attr-defined]
    if doc and os.environ.get("UPDATE_DOC_SCREENSHOTS") == "1":
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_SHOTS / name)
    return path


def current_stage_number(page: object) -> str:
    text: str = page.locator("#track .pos-current .num, .track-svg .pos-current .num").first.text_content() or ""  # type: ignore[attr-defined]
    return text.strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_newcomer_reads_the_board_adds_evidence_and_downloads_the_letter(
        local_server, browser, lang, tmp_path):
    from docx import Document

    words = WORDS[lang]
    page, problems = new_page(browser, lang)
    page.goto(local_server.url + "/")
    assert page.locator("h1").inner_text() == words["board"]
    assert page.locator(".column").count() == 9
    card = page.locator("#col-solution").locator("xpath=..").locator(".card", has_text=DEMO)
    assert words["strategy"].lower() in card.inner_text().lower()
    shoot(page, f"board-{lang}.png", full=False, doc=True)

    # the keyboard reaches the page: the first Tab lands on the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"

    # a filter swaps the board in place (HTMX) and keeps the address shareable
    page.select_option("#f-strategy", "pull_back")
    page.wait_for_url("**strategy=pull_back**")
    badges = page.locator(".card .badge").all_inner_texts()
    assert badges and all(b.lower() == words["strategy"] for b in badges), badges
    page.select_option("#f-strategy", "")
    page.wait_for_url(lambda url: "strategy=pull_back" not in url)

    card.locator("h3 a").click()
    page.wait_for_selector(".track-svg")
    assert words["here"] in (page.locator(".track-svg .here").first.text_content() or "")
    assert current_stage_number(page) == "6"
    first_move = page.locator(".move h3").first.inner_text()

    # the tender calls for the exchange-conditions letter: edit it and take it as Word
    body = page.locator("#body-exchange_conditions")
    body.fill(body.input_value() + "\n\nP.S. edited in the browser")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=words["word"]).first.click()
    saved = tmp_path / "letter.docx"
    download_info.value.save_as(saved)
    letter = "\n".join(p.text for p in Document(io.BytesIO(saved.read_bytes())).paragraphs)
    assert "P.S. edited in the browser" in letter
    assert page.locator("#subj-exchange_conditions").input_value() in letter

    page.fill("#ev-text", MOVE_TO_VALUE)
    page.locator("#room form[hx-post$='/evidence'] button[type=submit]").click()
    page.wait_for_selector("#flash:not(:empty)")
    assert words["moved"] in page.locator("#flash").inner_text()
    assert current_stage_number(page) == "7", "the customer moved on to the value stage"
    assert page.locator(".move h3").first.inner_text() != first_move, "the plan changed"
    assert page.locator(".evidence mark").count() >= 1
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, f"room-{lang}.png", full=False, doc=True)
    shoot(page, f"room-{lang}-full.png")

    # the seller says we shaped every stage the customer passed: the plan is in step now
    selects = page.locator("#edit-drivers select")
    assert selects.count() == 6, "one select per passed stage (the customer is at the 7th)"
    for i in range(selects.count()):
        selects.nth(i).select_option("us")
    save = page.get_by_role("button", name=words["save_drivers"])
    save.focus()
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.wait_for_selector(f"#room .strategy .badge:text-is('{words['in_step']}')")
    page.wait_for_selector(f"#flash:has-text('{words['in_step']}')")
    assert page.locator(".track-svg .drv-us").count() == 6, "the track shows us on each"
    page.wait_for_function("!!document.activeElement.closest('#edit-drivers')")
    assert page.evaluate("document.activeElement.type") == "submit", \
        "focus stays on the button just used; the status line is announced, not focused"

    page.get_by_role("link", name=words["switch"]).click()
    other = WORDS["en" if lang == "zh" else "zh"]
    page.wait_for_selector(".track-svg")
    assert other["here"] in (page.locator(".track-svg .here").first.text_content() or "")
    assert not problems, problems
    page.context.close()


def test_a_team_member_signs_in_and_cannot_open_a_deal_that_is_not_theirs(team_server, browser):
    with httpx.Client(base_url=team_server.url) as admin:
        token = _csrf(admin.get("/signin").text)
        admin.post("/signin", data={"username": "root", "password": PASSWORD,
                                    "csrf_token": token})
        demo_id = next(d["id"] for d in admin.get("/api/v1/deals").json() if d["name"] == DEMO)

    page, problems = new_page(browser, "en")
    page.goto(team_server.url + f"/deals/{demo_id}")
    assert "/signin" in page.url, "a stranger is sent to sign in first"
    page.fill("#username", "alice")
    page.fill("#password", "not her password")
    page.locator("form button[type=submit]").click()
    assert "Wrong user name or password" in page.locator(".alert").inner_text()
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**/deals/{demo_id}")
    assert WORDS["en"]["forbidden"] in page.locator("main").inner_text()
    page.goto(team_server.url + "/")
    assert "alice" in page.locator(".who").inner_text()
    assert page.locator(".card").count() == 0, "the unassigned demo deal is not hers"

    page.goto(team_server.url + "/deals/new")
    page.fill("#n-name", "Harbour logistics upgrade")
    page.fill("#n-text", "We keep running into stock errors but nobody knows why")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_selector(".track-svg")
    assert "Owner: alice" in page.locator(".facts").inner_text()
    problems = [p for p in problems if " 401 " not in p and " 403 " not in p]  # on purpose
    assert not problems, problems
    page.context.close()


def _csrf(html: str) -> str:
    from tests.e2e.web_support import csrf_of

    return csrf_of(html)


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A workspace with a simulated team history, for the manager's view."""
    tmp = tmp_path_factory.mktemp("history")
    env = clean_env()
    done = cli("deals", "load-demo", "--history", "160", "--db",
               f"sqlite:///{tmp / 'workspace.sqlite3'}", env=env)
    assert done.returncode == 0, done.stderr
    server = start(tmp, env=env)
    yield server
    stop(server)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1360, 390])
def test_the_managers_view_draws_its_charts_in_both_languages_on_desktop_and_phone(
        history_server, browser, lang, width):
    page, problems = new_page(browser, lang)
    page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(history_server.url + "/manager")  # type: ignore[attr-defined]
    title = "团队复盘" if lang == "zh" else "Team view"
    assert title in (page.locator("h1").text_content() or "")  # type: ignore[attr-defined]
    # funnel, two 9 x 4 interval grids and the forecast band are all drawn
    assert page.locator("#charts svg.ival").count() >= 72  # type: ignore[attr-defined]
    assert page.locator(".funnel svg.bar").count() == 9  # type: ignore[attr-defined]
    assert page.locator(".forecast svg").count() >= 1  # type: ignore[attr-defined]
    basis = page.locator(".basis").text_content() or ""  # type: ignore[attr-defined]
    assert ("Brier" in basis) and (("已结束" in basis) if lang == "zh" else ("closed deals" in basis))
    # the page itself never scrolls sideways; the wide grids scroll inside their box
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
    assert overflow <= 1
    device = "desktop" if width > 1000 else "phone"
    shoot(page, f"manager-{lang}-{device}.png", doc=True)
    # a new forecast period swaps only the charts in (HTMX) and keeps the address in step
    page.select_option("#f-period", "180")  # type: ignore[attr-defined]
    page.wait_for_url("**/manager?period=180")  # type: ignore[attr-defined]
    heading = "180" in (page.locator("#h-forecast").text_content() or "")  # type: ignore[attr-defined]
    assert heading
    assert problems == []


def test_the_weekly_report_prints_without_the_navigation(history_server, browser):
    page, problems = new_page(browser, "en")
    page.goto(history_server.url + "/manager/report")  # type: ignore[attr-defined]
    assert "Weekly sales report" in (page.locator("h1").text_content() or "")  # type: ignore[attr-defined]
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    assert not page.locator("header.top").is_visible()  # type: ignore[attr-defined]
    assert page.locator("#h-win").is_visible()  # type: ignore[attr-defined]
    shoot(page, "report-en-print.png", doc=True)
    assert problems == []
