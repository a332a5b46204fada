"""Real messages: cleaning e-mail, reading phrases in context, saying when it cannot tell."""

from __future__ import annotations

import datetime as dt

from buyersync.locate import default_locator, locate
from buyersync.locate.clean import html_text, split_message
from buyersync.locate.lexicon import Lexicon, Modifiers, default_lexicon, default_modifiers
from buyersync.locate.reading import read_stage_phrases
from buyersync.method.model import Deal, Evidence
from buyersync.method.stages import Stage
from buyersync.services.analysis import analyze

THREAD = """From: Anna Smith <anna@acme.example>
Sent: Tuesday, February 17, 2026 10:02 AM
Subject: RE: next steps

Hi Tom,

Our formal request for proposal went out this morning; responses are due on 3 March.

Best regards,
Anna Smith
Head of Procurement

This email and any attachments are confidential and intended solely for the addressee.

On Mon, Feb 16, 2026 at 9:00 AM Tom Lee <tom@vendor.example> wrote:
> Anna, we still feel nobody has sized what the stock-outs cost you.
> Could we meet your CFO first?
"""


def test_the_newest_reply_is_split_from_signature_disclaimer_and_quoted_history():
    msg = split_message(THREAD)
    assert "request for proposal" in msg.body
    assert "Best regards" not in msg.body and "confidential" not in msg.body
    assert "stock-outs" in msg.history and "stock-outs" not in msg.body


def test_chinese_mail_drops_the_original_message_block():
    msg = split_message("王经理：\n\n招标文件已经挂网，下周二开标。\n\n谢谢！\n张三\n\n-----原始邮件-----\n"
                        "发件人: 李四\n主题: 项目\n领导还在犹豫要不要做。")
    assert "开标" in msg.body and "犹豫" not in msg.body and "犹豫" in msg.history


def test_html_mail_reads_as_text_with_quoted_blocks_apart():
    assert html_text("<div>Shortlist&nbsp;fixed</div><blockquote>old</blockquote>") == \
        "Shortlist fixed\n\n> old"


def test_a_plain_note_passes_through_untouched():
    note = "客户说还没想好，先看看再说。"
    assert split_message(note).body == note and not split_message(note).history


def test_a_thread_is_located_by_its_newest_message_and_the_signal_quotes_it():
    loc = locate(THREAD)
    assert loc.stage is Stage.solution
    assert all(s.text in THREAD for s in loc.signals)


def _reading(text: str, modifiers: Modifiers | None):
    lex = default_lexicon()
    return read_stage_phrases(text, lex.find(text), modifiers)


def test_a_topic_word_inside_a_longer_word_is_not_read_as_held_or_negated():
    # "spec" (a measures topic) sits inside "specifics": a not-yet cue must not move it
    inside = _reading("We haven't collected specifics yet.", default_modifiers())
    assert not any(p.stage in (Stage.measures, Stage.requirements) for p in inside.phrases)
    alone = _reading("We haven't written the spec yet.", default_modifiers())
    assert any(p.stage is Stage.requirements for p in alone.phrases)


def test_a_negated_or_future_phrase_counts_for_the_stage_before_it():
    text = "They will issue an RFP in September."
    plain, read = _reading(text, None), _reading(text, default_modifiers())
    assert plain.scores[Stage.solution] > 0
    assert read.scores[Stage.solution] < 0 < read.scores[Stage.measures]
    assert any("will issue" in p.text for p in read.phrases)


def test_after_first_then_the_later_step_does_not_count_as_reached():
    read = _reading("先把问题理清楚，再发招标文件。", default_modifiers())
    assert read.scores[Stage.solution] < 0


def test_a_word_that_hides_a_stage_phrase_counts_for_nothing():
    hits = default_lexicon().find("投标文件须满足技术标准要求")
    assert "技术标" not in [h.text for h in hits]
    hits = Lexicon([("技术标", "solution", 3.0)]).find("技术标准")
    assert [h.text for h in hits] == ["技术标"]  # without the neutral word the trap springs


def test_one_decisive_sentence_outweighs_many_passing_mentions():
    one = "Requirements workshop notes. " * 1 + "The signed contract goes to legal today."
    many = "They wondered about budgets. " * 6 + "The signed contract goes to legal today."
    assert _reading(many, None).scores[Stage.cost] == _reading(one, None).scores[Stage.cost]


def test_an_award_notice_is_not_read_as_the_tender_it_retells():
    loc = locate("某市医院设备采购项目 中标候选人公示\n一、招标概况：本项目于3月发布招标公告，3月20日开标、评标，"
                 "评标委员会推荐中标候选人如下。")
    assert loc.stage is Stage.cost


def test_a_text_with_little_stage_signal_is_uncertain_and_a_clear_one_is_not():
    locator = default_locator()
    if locator.sure_at <= 0:  # an untrained checkout ships no threshold
        return
    assert locate("ok, talk Thursday").uncertain
    assert not locate("客户发来正式招标文件，要求两周内递交投标文件，下周二开标。").uncertain


def test_an_undated_item_added_last_is_the_latest_in_the_deal():
    deal = Deal(name="x", evidence=[
        Evidence(text="IT manager: the old system keeps crashing, not sure why.", date=dt.date(2026, 1, 5)),
        Evidence(text="Invitation to tender received today; bids due in two weeks, bid opening on the 20th."),
    ])
    assert analyze(deal).stage is Stage.solution


def test_a_rival_merely_named_is_not_a_competitor_led_stage():
    assert locate("Bake-off next week against the other vendor; the panel will score both demos.").competitor_led \
        is not True
    assert locate("客户说另一家公司比你们大，但还没决定。").competitor_led is not True


def test_a_rivals_hand_in_the_spec_is_competitor_led():
    assert locate("招标文件的技术参数基本是照搬友商的产品白皮书，连型号写法都一模一样。").competitor_led is True


def test_every_streamed_location_says_whether_it_is_uncertain():
    import io
    import json

    from buyersync.services.batch import locate_stream

    out = io.StringIO()
    locate_stream(io.StringIO('{"id": 1, "text": "RFP received, bids due Friday."}\n'), out)
    assert isinstance(json.loads(out.getvalue())["uncertain"], bool)


TENDER = "Invitation to tender received today; bids due in two weeks, bid opening on the 20th."
ROI = "The CFO asked us for an ROI model and payback period before the board decides; evaluation is finished."


def test_a_deal_file_with_people_dates_analyses_in_date_order():
    later_listed_first = Deal.model_validate({"name": "x", "evidence": [
        {"text": ROI, "date": "Mar 2, 2026"}, {"text": TENDER, "date": "2026年1月5日"}]})
    assert analyze(later_listed_first).stage is Stage.value
    undated = Deal.model_validate({"name": "x", "evidence": [{"text": ROI}, {"text": TENDER}]})
    assert analyze(undated).stage is Stage.solution  # the last listed is the latest


def test_the_sellers_own_turns_in_a_call_transcript_are_not_read_as_the_customer():
    call = ("[00:00:12] Customer (Head of IT): the old system keeps freezing, no idea why\n"
            "[00:00:20] Us: we will send our proposal and pricing tomorrow\n"
            "[00:00:31] Customer (Head of IT): honestly we haven't looked into it")
    body = split_message(call).body
    assert "proposal" not in body and "freezing" in body


def test_the_uncertain_threshold_is_the_lowest_where_the_pool_and_every_large_source_are_right():
    import numpy as np

    from buyersync.locate import training
    from buyersync.locate.training import sure_threshold

    n = training.SURE_MIN_TEXTS
    # large source a: 3n/4 at 0.9 all right, n/4 at 0.45 half right;
    # large source b: 3n/4 at 0.9 (all but 2 right), n/4 at 0.3 (a fifth right)
    q = n // 4
    conf = np.array([0.9] * (3 * q) + [0.45] * q + [0.9] * (3 * q) + [0.3] * q)
    right = np.array([True] * (3 * q) + [True] * (q // 2) + [False] * (q - q // 2)
                     + [True] * (3 * q - 2) + [False] * 2 + [True] * (q // 5) + [False] * (q - q // 5))
    sources = ["a"] * (4 * q) + ["b"] * (4 * q)
    sure = sure_threshold(conf, right, sources, target=0.9, source_target=0.9, band_target=0.0)
    # from 0.31 the pool is right often enough, but source a only 87.5%: a must not fall short
    assert sure["sure_at"] == 0.46
    assert sure["sure_coverage"] == 0.75
    pooled = sure_threshold(conf, right, ["a"] * (8 * q), target=0.9, source_target=0.9, band_target=0.0)
    assert pooled["sure_at"] == 0.31  # judged as one source, 90% is reached lower (more texts sure)
    # one text fewer and source a is too small to judge alone: it counts only in the pool
    small = sure_threshold(conf, right, ["a"] * (4 * q - 1) + ["tiny"] + ["b"] * (4 * q),
                           target=0.9, source_target=0.9, band_target=0.0)
    assert small["sure_at"] == 0.31
    few = ["big"] * (6 * q) + ["hard"] * 10
    conf2 = np.array([0.9] * (6 * q) + [0.5] * 10)
    right2 = np.array([True] * (6 * q) + [True] * 5 + [False] * 5)
    assert sure_threshold(conf2, right2, few, target=0.9, source_target=0.9, band_target=0.0)["sure_at"] == 0.0
    # were "hard" judged alone (50% right), nothing under 0.51 could be sure
    assert training.SURE_MIN_TEXTS > 10


def test_the_texts_just_above_the_uncertain_threshold_are_no_coin_flip():
    import numpy as np

    from buyersync.locate.training import SURE_BAND, sure_threshold

    # 900 right at 0.95 carry the pool past 92% even with 100 half-right texts at 0.35
    conf = np.array([0.95] * 900 + [0.35] * 100 + [0.2] * 10)
    right = np.array([True] * 900 + [True, False] * 50 + [False] * 10)
    loose = sure_threshold(conf, right, ["a"] * 1010, target=0.92, source_target=0.9, band_target=0.0)
    assert loose["sure_at"] <= 0.35  # the pool alone would call the coin flips sure
    strict = sure_threshold(conf, right, ["a"] * 1010, target=0.92, source_target=0.9, band_target=0.7)
    assert 0.35 < strict["sure_at"] <= 0.95 - SURE_BAND + 0.01 + 1e-9
    assert strict["sure_coverage"] == round(900 / 1010, 4) and strict["sure_accuracy"] == 1.0


def test_items_of_the_same_day_are_one_moment_not_a_step_back():
    from buyersync.locate.deal import current_stage
    from buyersync.method.model import Location
    from buyersync.method.stages import STAGES

    def at(stage: Stage, p: float) -> Location:
        rest = (1 - p) / (len(STAGES) - 1)
        scores = {s: (p if s is stage else rest) for s in STAGES}
        return Location.model_construct(stage=stage, confidence=p, scores=scores, competitor_led=None,
                                        signals=[], uncertain=False)

    tender, spec_note = at(Stage.solution, 0.99), at(Stage.measures, 0.8)
    found = current_stage([tender, spec_note], [False, True])
    assert found is not None and found[0] is Stage.solution
    later = current_stage([tender, spec_note], [False, False])
    assert later is not None and later[0] is Stage.measures  # a later day's clear note may pull back


def test_sentence_and_clause_ends_are_those_of_the_plain_alternations():
    """reading.py writes its patterns to open with one character class (fast); they must end
    sentences and clauses exactly where the plain alternations do."""
    import random
    import re

    from buyersync.locate.reading import _CLAUSE, _SENTENCE

    plain_sentence = re.compile(r"[。！？!?；;\n]+|(?<=[A-Za-z0-9)\"'”])\.(?:\s+|$)")
    plain_clause = re.compile(r"[。！？!?；;\n，,：:]+|(?<=[A-Za-z0-9)\"'”])\.(?:\s+|$)"
                              r"|\s(?:but|however|and then)\s|但是|但|不过|然后")
    rnd = random.Random(13)
    alphabet = [*"。！？!?；;\n，,：:. \t\r\u3000但是不过然后)\"'”aZ9x", "but", "however", "and then", "..."]
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 25))) for _ in range(40_000)]
    texts += ["We are not sure yet. Maybe next week? 但是预算还没批；先做调研，然后再说。",
              "v2.0 is out.The end. (Really.) \"Quoted.\" ”好。” and then, however: done."]
    for text in texts:
        for fast, plain in ((_SENTENCE, plain_sentence), (_CLAUSE, plain_clause)):
            assert [m.end() for m in fast.finditer(text)] == [m.end() for m in plain.finditer(text)], text


def test_the_fast_mail_marker_checks_answer_as_the_plain_patterns_do():
    """clean.py looks for mail markers, seller turns and seller offers in faster ways than one
    regex of many branches; each must say yes exactly where the plain pattern does, case
    folding included (İ, ı and ſ match i and s under IGNORECASE; str.lower() keeps them)."""
    import random
    import re

    from buyersync.locate import clean

    labels = "|".join(re.escape(p) for p in sorted(clean._seller_labels(), key=len, reverse=True))
    seller = re.compile(r"^\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?(?:[^:：\n（(]{1,30}?\s*[（(]\s*)?(?:"
                        + labels + r")\s*[)）]?\s*[:：]", re.IGNORECASE | re.MULTILINE)
    phrases = [p for langs in clean._markers()["seller_offers"].values() for p in langs]
    offer = re.compile("|".join(map(re.escape, phrases)), re.IGNORECASE)
    disclaimers = [p for langs in clean._markers()["disclaimers"].values() for p in langs]
    disclaimer = re.compile("|".join(map(re.escape, disclaimers)), re.IGNORECASE)
    rnd = random.Random(17)
    pieces = [*"abcdefgilmnorstwyABCDEFGILMNORSTWY:：>-_ \n\t\r<()（）[]0123456789", "İ", "ı", "ſ", "K",
              "写道", "原始邮件", "转发的邮件", "发自我的", "此致", "保密", "发件人", "主题", "wrote:",
              "WROTE:", "wrıte:", "Original Message", "forwarded message", "<div", "<P>", "<pre",
              "From:", "SUBJECT :", "sent from my", "ſent from my", "Regards", "CONFIDENTİAL", "--",
              "-----", "________", "> ", *phrases, *map(str.upper, phrases), *clean._seller_labels(),
              *disclaimers, *map(str.upper, disclaimers), "İf you are not the ıntended recipient"]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 10))) for _ in range(30_000)]
    texts += [THREAD, "Us: happy to help\nThem: budget is approved\nUs: great", "no markers here"]
    for text in texts:
        assert clean._mailish(text) == (clean._MAILISH.search(text) is not None), repr(text)
        assert clean._at_a_line_start(clean._seller_turn(), text) == (seller.search(text) is not None), \
            repr(text)
        assert (clean._offer().search(text) is None) == (offer.search(text) is None), repr(text)
        assert (clean._disclaimer().search(text) is None) == (disclaimer.search(text) is None), repr(text)


def test_the_newest_reply_is_the_one_the_mail_reply_library_gives():
    """clean.py reads the newest reply with mail-parser-reply's own reading, its header pattern
    built once and no signatures looked for: the reply must be the library's `parse_reply`'s,
    on the project's mail texts and on pieces of reply headers, separators and signatures."""
    import json
    import random
    from pathlib import Path

    from mailparser_reply import EmailReplyParser

    from buyersync.locate import clean

    languages = clean._markers()["reply_languages"]
    root = Path(__file__).resolve().parents[2] / "data" / "training"
    mails = [json.loads(line)["text"] for f in sorted(root.glob("mail*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(mails) > 100
    rnd = random.Random(29)
    pieces = ["On Tue, 3 Mar 2026 at 10:02, Tom <tom@x.example> wrote:", "在 2026年3月3日 10:02，王工 写道：",
              "Am 3. März 2026 schrieb Max:", "Le 3 mars 2026, Jean a écrit :", "From: A", "发件人: 李四",
              "Sent: Monday", "-----Original Message-----", "________________________________",
              "Best regards,", "Sent from my iPhone", "Regards", "此致", "CONFIDENTIAL: this e-mail",
              "> quoted", "budget approved", "招标文件下周发布", "\n", "\n\n", "\r\n", "  ", "--", "Thanks"]
    texts = mails + [THREAD] + ["".join(rnd.choice(pieces) + rnd.choice(["\n", " ", ""])
                                        for _ in range(rnd.randint(0, 12))) for _ in range(3_000)]
    for text in texts:
        plain = str(EmailReplyParser(languages=languages).parse_reply(text=text) or "")
        assert clean._latest_reply(text) == plain, repr(text)
