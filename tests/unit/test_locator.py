"""The locator: lexicon matching, the model's hashed features, scores, signals, deal-level path."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from buyersync.locate import default_locator, locate
from buyersync.locate.deal import current_stage, inferred_drivers
from buyersync.locate.lexicon import Lexicon, default_headings
from buyersync.locate.model import StageModel, gram_hashes, ngrams, term_hashes
from buyersync.method.model import Location
from buyersync.method.stages import STAGES, Driver, Stage
from buyersync.services.batch import locate_stream


def location(stage: str, p: float = 0.9, led: bool | None = None) -> Location:
    rest = (1 - p) / (len(STAGES) - 1)
    scores = {s: (p if s.value == stage else rest) for s in STAGES}
    return Location(stage=Stage(stage), confidence=p, scores=scores, competitor_led=led)


def test_lexicon_takes_the_longest_phrase_and_keeps_the_original_spelling():
    lex = Lexicon([("招标", "solution", 1.0), ("招标公告", "solution", 2.0), ("rfp", "solution", 1.0)])
    hits = lex.find("请查收招标公告和 RFP")
    assert [(h.text, h.weight) for h in hits] == [("招标公告", 2.0), ("RFP", 1.0)]


def test_lexicon_spans_stay_aligned_when_lower_case_changes_length():
    lex = Lexicon([("bafo", "cost", 1.0)])
    text = "İstanbul office asks for a BAFO"
    (hit,) = lex.find(text)
    assert text[hit.start : hit.end] == "BAFO"


def test_lexicon_finds_a_phrase_inside_a_longer_one_that_does_not_match():
    # the longer phrase starts earlier and fails further on: the shorter one still counts
    # (pyahocorasick's iter_long found nothing in either text)
    lex = Lexicon([(" roi", "value", 1.0), ("your roi deck", "value", 1.0)])
    assert [h.text for h in lex.find("your ROI d")] == [" ROI"]
    lex = Lexicon([("知识产权", "goal", 1.0), ("国家知识产权局", "goal", 1.0)])
    assert [h.text for h in lex.find("国家知识产权")] == ["知识产权"]


def test_lexicon_reads_past_a_lone_surrogate():
    lex = Lexicon([("rfp", "solution", 1.0)])
    text = "\ud800 please see the RFP"
    (hit,) = lex.find(text)
    assert (hit.start, hit.text) == (text.index("RFP"), "RFP")


def test_headings_only_count_at_the_top_of_a_document():
    headings = default_headings()
    assert headings.find("中标候选人公示\n项目名称：某某工程").label == "cost"
    assert headings.find("x" * 500 + "中标候选人公示") is None


def test_hashed_features_match_the_training_analyzer():
    terms = ["招", "招标", "标公告", " rf", "rfp ", "p"]
    model = StageModel(terms=terms, idf=np.ones(len(terms)), stage_coef=np.zeros((len(terms), 9)),
                       stage_bias=np.zeros(9), comp_coef=np.zeros((len(terms), 3)),
                       comp_bias=np.zeros(3), meta={})
    text = "招标公告 RFP  招标"
    idx, w = model.features(text)
    expected = sorted({terms.index(g) for g in ngrams(text) if g in terms})
    assert list(idx) == expected
    assert abs(float(w @ w) - 1.0) < 1e-9
    assert len(gram_hashes(text)) == len(ngrams(text))
    assert len(set(term_hashes(terms))) == len(terms)


def test_latin_words_and_word_pairs_are_features_beside_the_character_grams():
    terms = ["\x00payback", "\x00payback period", "\x00cfo asked", "\x00e-mail", "\x00rd", "pay", "\x00are"]
    model = StageModel(terms=terms, idf=np.ones(len(terms)), stage_coef=np.zeros((len(terms), 9)),
                       stage_bias=np.zeros(9), comp_coef=np.zeros((len(terms), 3)),
                       comp_bias=np.zeros(3), meta={})
    text = "The CFO asked for the PAYBACK period; payback, e-mail and the 3rd draft."
    grams = ngrams(text)
    # words of three or more letters (a run starting with a digit is none), and pairs of
    # words one space apart (never across punctuation)
    assert {"\x00payback", "\x00payback period", "\x00cfo asked", "\x00e-mail"} <= set(grams)
    assert "\x00rd" not in grams and "\x00period payback" not in grams and "\x00period;" not in grams
    idx, _ = model.features(text)
    assert [terms[i] for i in idx] == ["\x00payback", "\x00payback period", "\x00cfo asked", "\x00e-mail", "pay"]
    batch = model.features_many([text, "payback", "no such words"])
    assert batch[0][0].tolist() == idx.tolist()
    assert [terms[i] for i in batch[1][0]] == ["\x00payback", "pay"] and not len(batch[2][0])
    # a batch large enough for the one sparse pass joins its texts with NULs: a NUL and the
    # next text's first three letters are no word of the text before
    many = ["arena ops", "are we there", "pay day", "payback"] * 10
    for (idx, w), text in zip(model.features_many(many), many, strict=True):
        one = model.features(text)
        assert idx.tolist() == one[0].tolist() and np.allclose(w, one[1]), text


def test_a_notice_type_field_decides_over_a_heading_phrase():
    headings = default_headings()
    top = "Roof Replacement Solicitation Number: FA123 Agency: DEPT Office: X Notice Type: "
    assert headings.find(top + "Award Posted Date: May 3").label == "cost"
    assert headings.find(top + "Sources Sought (Original) Posted Date: May 3").label == "requirements"
    assert headings.find(top + "Cancellation Published: May 3").label == "risk"
    assert headings.find(top + "Combined Synopsis/Solicitation").label == "solution"
    assert headings.find(top + "Something Else").label == "solution"  # unknown type: the phrase
    assert headings.find("公告类型：中标公告\n项目名称：某某").label == "cost"


def test_the_type_field_is_searched_only_where_its_words_occur_with_the_same_answers():
    """Headings skips the notice-type field's pattern for a text without one of
    `type_field_needs` in its window: every match of the pattern must contain one, and the
    heading found must be the one the pattern searched everywhere finds (case folding
    included: İ, ı, ſ and the Kelvin sign match letters under IGNORECASE)."""
    import random
    from dataclasses import replace

    from buyersync.locate.lexicon import lower_case

    headings = default_headings()
    assert headings.type_field is not None and headings.type_field_needs
    plain = replace(headings, type_field_needs=())
    rnd = random.Random(23)
    pieces = ["notice", "NOTICE", "Notıce", "Notİce", "contract opportunity", "opportunity",
              "procurement", "PROCUREMENT", " ", "  ", "\t", "\n", "type", "TYPE", "Type", "tYpe",
              "ţype", "公告类型", "公告", "类型", ":", "：", "|", "award", "Award Notice", "sources sought",
              "中标公告", "Solicitation Number", "ſ", "K", "x" * 40, "Σ", "招标公告", "Cancellation"]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 14))) for _ in range(30_000)]
    texts += [f"{'y' * n} Notice Type: Award" for n in range(570, 600)]  # the window's end
    for text in texts:
        for m in headings.type_field.finditer(text):
            assert any(w in lower_case(m.group(0)) for w in headings.type_field_needs), repr(text)
        assert headings.find(text, lower_case(text)) == plain.find(text), repr(text)
        assert headings.find(text) == plain.find(text), repr(text)


def test_the_record_shapes_find_what_their_plain_forms_find():
    """headings.yaml writes its record shapes to open with a character class or `^` (fast):
    the heading found must be the one the plain forms find, in their order."""
    import random
    import re
    from dataclasses import replace

    headings = default_headings()
    plain = replace(headings, shapes=tuple((re.compile(p), "cost") for p in (
        r"(?:^|[|\n])[ \t]*\d{4}-\d{2}-\d{2}[ \t]*[|\n][ \t]*\d{1,3}[ \t]*[|\n](?:[^|\n]*[|\n]){1,12}?"
        r"[ \t]*(?:\d+\.\d{2}|\d{5,})[ \t]*(?:[|\n]|$)",
        r"(?:[|\n][ \t]*\d{1,3}[ \t]*){3,}[|\n](?:[^|\n]*[|\n]){1,8}?[ \t]*\d{3,}\.\d{2}[ \t]*[|\n]"
        r"[ \t]*\d{3,}\.\d{2}[ \t]*(?:[|\n]|$)")))
    rnd = random.Random(31)
    fields = ["2026-03-04", " 2026-03-04\t", "1999-1-01", "7", " 42 ", "123", "1234", "12345",
              "123456", "1234.50", " 98765.43", ".5", "Acme Ltd", "x", "", "-", "中标"]
    seps = ["|", "\n", " | ", "\t|", "\n\n", " "]
    texts = [rnd.choice(["", "title", "|", "\n", "y" * rnd.randint(500, 600)])
             + "".join(rnd.choice(fields) + rnd.choice(seps) for _ in range(rnd.randint(0, 16)))
             + rnd.choice(["", "x", "\n"]) for _ in range(40_000)]
    texts += ["2026-03-04|3|Acme|1234.50", "title\n2026-03-04\n3\nAcme\n12345\n",
              "a|1|2|3|Acme|1234.50|1200.00|", "y" * 590 + "|1|2|3|A|1234.50|1200.00|"]
    found = 0
    for text in texts:
        got = headings.find(text)
        assert got == plain.find(text), repr(text)
        found += got is not None
    assert found > 500  # the shapes were met, not only missed


def test_notice_headings_that_hide_inside_longer_ones():
    headings = default_headings()
    assert headings.find("关于某县社保基金管理情况的审计结果公告").label == "pain"  # not an award's 结果公告
    assert headings.find("急救调度系统项目合同变更公告").label == "cost"  # not a tender's 变更公告
    assert headings.find("Lot 1 cleaning. The contract will be awarded to the most economically "
                         "advantageous tender.").label == "solution"
    assert locate("The contract will be awarded to the most economically advantageous tender; "
                  "deadline for receipt of tenders 3 March.").stage is Stage.solution


@pytest.mark.parametrize("text", [
    "收到招标代理发来的招标文件，下周三开标。",
    "The CFO asked for our best and final offer and payment terms by Friday.",
    "Not sure why, but the night shift keeps scrapping more parts than the day shift.",
    "x",
])
def test_a_location_has_nine_scores_summing_to_one_and_verbatim_signals(text):
    loc = locate(text)
    assert set(loc.scores) == set(STAGES)
    assert abs(sum(loc.scores.values()) - 1) <= 0.01
    assert loc.confidence == loc.scores[loc.stage]
    assert all(s.text in text for s in loc.signals)


def test_clear_texts_land_on_their_stage():
    tender = "招标公告：本项目采用公开招标方式，投标截止时间为5月8日，开标地点为交易中心。"
    assert locate(tender).stage is Stage.solution
    assert locate("中标候选人公示\n第一中标候选人：某某公司，投标报价：128万元。").stage is Stage.cost
    assert locate("Please send your best and final offer; we also need net-60 payment terms.").stage \
        is Stage.cost


def test_competitor_hand_is_seen():
    loc = locate("The spec reads exactly like Helixon's datasheet; their engineer drafted it for the customer.")
    assert loc.competitor_led is True


def test_deal_stage_follows_the_newest_clear_evidence():
    stage, p = current_stage([location("problem"), location("pain"), location("goal", 0.8)])
    assert stage is Stage.goal and 0 < p <= 1


def test_a_vague_late_note_does_not_drag_a_tender_back_to_the_start():
    vague = location("problem", 0.3)
    assert current_stage([location("solution"), vague])[0] is Stage.solution


def test_a_clear_pull_back_is_respected():
    assert current_stage([location("solution"), location("problem", 0.97)])[0] is Stage.problem


def test_no_evidence_no_stage():
    assert current_stage([]) is None


def test_competitor_led_evidence_fills_unstated_drivers_of_passed_stages_only():
    locs = [location("pain", led=True), location("measures", led=True)]
    drivers = inferred_drivers(locs, Stage.measures, {Stage.problem: Driver.us})
    assert drivers == {Stage.problem: Driver.us, Stage.pain: Driver.competitor}


def test_stream_keeps_order_ids_and_reports_bad_lines():
    src = io.StringIO('{"id": "a", "text": "下周开标"}\n\n[1]\n{"id": 7, "text": "BAFO due Friday"}\n')
    out = io.StringIO()
    failed = locate_stream(src, out)
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["a", None, 7]
    assert "error" in rows[1] and failed[0][0] == 3
    assert set(rows[0]["scores"]) == {s.value for s in STAGES}


def test_the_shipped_model_carries_its_card_data():
    meta = default_locator().model.meta
    assert meta["version"] and meta["trained_on"]["texts"] > 1000
    assert meta["cross_validation"]["folds"] >= 2


def test_terminal_folding_breaks_chinese_lines_at_the_width_and_keeps_every_character():
    from rich.cells import cell_len

    from buyersync.cli.render import fold

    text = "从证据判断客户处在「方案」阶段，依据最近的记录：招标文件、投标截止。" * 3
    folded = fold(text, 30)
    assert folded.replace("\n", "") == text
    assert all(cell_len(line) <= 30 for line in folded.splitlines())
    assert fold("plain English stays for word wrap", 10) == "plain English stays for word wrap"


def test_batch_location_gives_the_same_answers_as_one_by_one():
    locator = default_locator()
    texts = ["下周三开标，请准时参加。", "", "x", "a\x00b", "BAFO due Friday; net-60 terms.",
             "中标候选人公示\n第一中标候选人：某某公司。" * 20]
    batch = locator.locate_many(texts)
    single = [locator.locate(t) for t in texts]
    assert [b.model_dump() for b in batch] == [s.model_dump() for s in single]

