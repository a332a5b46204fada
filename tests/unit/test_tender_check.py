"""The whole check on small documents: table headings, datasheet figures with units and
tolerances, the bid period and its legal minimum, the summary."""

from __future__ import annotations

import datetime as dt

from buyersync.tender import check, read_bytes
from buyersync.tender.figures import figures, is_odd, same


def run(text: str, name: str = "t.md", sheets: list[tuple[str, str]] = ()):  # type: ignore[no-untyped-def]
    docs = [read_bytes(body.encode(), n) for n, body in sheets]
    return check(read_bytes(text.encode(), name), docs, today=dt.date(2026, 3, 1))


def test_a_brand_column_is_read_with_its_heading_and_a_blank_to_fill_is_not_flagged() -> None:
    report = run("| 序号 | 货物名称 | 品牌 | 型号 |\n|---|---|---|---|\n| 1 | 监护仪 | 飞利浦 | MX450 |\n"
                 "| 2 | 输液泵 | 投标人自报 | 投标人自报 |\n| 3 | 推车 | 不限 | — |\n")
    flagged = {f.clause for f in report.flags}
    texts = {c.id: c.text for c in report.clauses}
    assert [texts[c] for c in flagged] == ["1 | 监护仪 | 飞利浦 | MX450"]


def test_figures_convert_units_and_respect_the_written_tolerance() -> None:
    a = figures("重量：3.47 kg")[0]
    b = figures("Weight 3470 g")[0]
    c = figures("Weight: 3.52 ± 0.1 kg")[0]
    d = figures("Weight: 3.60 kg")[0]
    assert same(a, b) and same(a, c) and not same(a, d)
    assert is_odd(a) and not is_odd(figures("电压 220 V")[0])
    assert figures("亮度不低于315 cd/m²")[0].bound


def test_the_datasheet_that_matches_most_figures_is_named_and_a_lone_coincidence_is_not() -> None:
    tender = "主机重量：3.47 kg，电池容量 4850 mAh，亮度 315 cd/m²。"
    sheets = [("a.txt", "Monitor A\nWeight 3.47 kg\nBattery 4850 mAh\n"), ("b.txt", "Monitor B\nWeight 3.47 kg\n")]
    report = run(tender, "t.txt", sheets)
    assert report.summary.likely_author is not None and report.summary.likely_author.product == "Monitor A"
    lone = run(tender, "t.txt", [("b.txt", "Monitor B\nWeight 3.47 kg\n")])
    assert lone.summary.likely_author is None


def test_a_bid_period_under_twenty_days_is_flagged_with_the_bidding_law() -> None:
    report = run("某项目招标公告\n\n公告发布时间：2026年3月2日\n\n投标截止时间：2026年3月13日9:30\n", "t.txt")
    assert report.bid_period_days == 11
    flag = next(f for f in report.flags if f.kind.value == "short_period")
    assert "第二十四条" in flag.citation


def test_a_consultation_needs_only_ten_days_and_a_market_survey_has_no_minimum() -> None:
    consult = run("竞争性磋商公告\n\n采购人：某局\n\n发布时间：2026年3月2日\n\n"
                  "响应文件提交截止时间：2026年3月13日\n", "t.txt")
    assert consult.bid_period_days == 11 and not any(f.kind.value == "short_period" for f in consult.flags)
    survey = run("市场调研公告\n\n发布时间：2026年3月2日\n\n截止时间：2026年3月5日\n", "t.txt")
    assert survey.bid_period_days == 3 and not any(f.kind.value == "short_period" for f in survey.flags)


def test_a_clean_substantial_tender_is_not_competitor_led_and_has_no_letters() -> None:
    lines = [f"{i}. 投标人须具有独立承担民事责任的能力（第{i}项）。" for i in range(1, 25)]
    report = run("\n".join(lines), "t.txt")
    assert report.flags == [] and report.summary.competitor_led is False and report.summary.letters == []


def test_the_challenge_letter_lists_each_flagged_clause_with_its_law_and_remedy() -> None:
    report = run("1. 投标人注册资本不低于5000万元。\n2. 品牌：飞利浦\n", "t.txt")
    challenge = next(x for x in report.summary.letters if x.kind == "challenge")
    assert "注册资本不低于5000万元" in challenge.body and "飞利浦" in challenge.body
    assert "删除企业规模" in challenge.body and "第三十二条" in challenge.body
