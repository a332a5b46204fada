"""The deal room's tender panel in a real browser (Debian's Chromium, headless), against the
real server, in Chinese and in English: upload, highlighted clauses, letters.

Screenshots: test-artifacts/screenshots/tender-{zh,en}.png (and docs/screenshots/ with
UPDATE_DOC_SCREENSHOTS=1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO,
    SHOTS,
    Server,
    clean_env,
    new_page,
    shoot,
    start,
    stop,
)
from tests.required import need_module
from tests.tender_docs import EN_TENDER, ZH_TENDER, docx_bytes

sync_api = need_module("playwright.sync_api")

WORDS = {
    "zh": {"kind": "指定品牌/型号/供应商", "letter": "质疑函", "word": "下载 Word", "tender": ZH_TENDER,
           "brand": "飞利浦"},
    "en": {"kind": "named brand, model or supplier", "letter": "Bid protest", "word": "Download Word",
           "tender": EN_TENDER, "brand": "Sysmex"},
}


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start(tmp_path_factory.mktemp("tender"), env=clean_env())
    yield s
    stop(s)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_seller_uploads_a_tender_sees_the_flagged_clauses_and_takes_the_protest(
        server: Server, browser: object, lang: str, tmp_path: Path) -> None:
    from docx import Document

    words = WORDS[lang]
    tender = tmp_path / ("监护设备招标.docx" if lang == "zh" else "rfp-analyzers.docx")
    tender.write_bytes(docx_bytes(words["tender"]))  # type: ignore[arg-type]
    page, problems = new_page(browser, lang)
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    page.locator(".card", has_text=DEMO).first.locator("h3 a").click()  # type: ignore[attr-defined]
    page.wait_for_selector("#tender")  # type: ignore[attr-defined]
    page.set_input_files("#tender-file", str(tender))  # type: ignore[attr-defined]
    page.locator("#tender button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_selector("#tender-result")  # type: ignore[attr-defined]

    flagged = page.locator("#tender-result .tender-clause")  # type: ignore[attr-defined]
    assert flagged.count() >= 4
    brand = page.locator(".tender-clause", has=page.locator(".flag[data-kind=brand_named]"))  # type: ignore[attr-defined]
    assert words["brand"] in brand.first.inner_text()
    assert words["kind"] in brand.first.inner_text()
    assert page.locator("#tender-result mark").count() >= 3  # type: ignore[attr-defined]
    # the check is kept with the deal as evidence
    assert tender.name in page.locator("ol.evidence").inner_text()  # type: ignore[attr-defined]
    page.locator("#tender-result").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    shoot(page, f"tender-{lang}.png", doc=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#tender").screenshot(path=str(SHOTS / f"tender-panel-{lang}.png"))  # type: ignore[attr-defined]

    protest = page.locator("#tender form.letter", has_text=words["letter"]).first  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        protest.locator("button.primary").click()
    saved = tmp_path / "protest.docx"
    info.value.save_as(saved)
    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert words["brand"] in text
    assert not problems, problems
