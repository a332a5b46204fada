"""Letters as files: Markdown and Word keep what the seller wrote, paragraphs and all."""

from __future__ import annotations

import io

from docx import Document

from buyersync.services.letters import file_name, to_docx, to_markdown

BODY = "陈总：\r\n\r\n感谢邀请。\n1. 调研\n2. 会谈\n\n\n\n顺颂商祺\x0b"


def test_markdown_has_the_subject_as_a_heading_and_tidy_paragraphs():
    assert to_markdown(" 回复：邀请 ", BODY) == (
        "# 回复：邀请\n\n陈总：\n\n感谢邀请。\n1. 调研\n2. 会谈\n\n顺颂商祺\n")


def test_word_keeps_the_subject_the_paragraphs_and_the_numbered_lines():
    doc = Document(io.BytesIO(to_docx("回复：邀请", BODY)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "回复：邀请"
    assert paragraphs[1:] == ["陈总：", "感谢邀请。\n1. 调研\n2. 会谈", "顺颂商祺"]
    assert doc.core_properties.title == "回复：邀请"


def test_download_names_keep_chinese_but_drop_what_file_systems_refuse():
    assert file_name("智慧/仓储: 招标?", "exchange_conditions", "docx") == (
        "智慧-仓储-招标-exchange_conditions.docx")
    assert file_name("...", "walk_away", "md") == "deal-walk_away.md"


def test_word_properties_name_the_signer_and_the_moment_not_the_template():
    import datetime as dt

    when = dt.datetime(2026, 3, 4, 5, 6, 7)
    props = Document(io.BytesIO(to_docx("Re: tender", "Hello", author="Lin Xiao", created=when,
                                        language="en"))).core_properties
    assert (props.author, props.last_modified_by, props.language) == ("Lin Xiao", "Lin Xiao", "en")
    assert props.created.replace(tzinfo=None) == when and props.comments == ""


def test_letters_are_written_in_the_asked_language_dated_and_signed_by_the_owner():
    import datetime as dt

    from buyersync.config import Settings
    from buyersync.method.model import Deal
    from buyersync.method.planner import write_letters
    from buyersync.method.stages import Lang
    from buyersync.services.analysis import analyze
    from buyersync.services.letters import signature

    deal = Deal.model_validate(demo())
    analysis = analyze(deal, lang=Lang.zh)
    settings = Settings(signer_name="Lin Xiao", signer_title="Account Director")
    signed = signature("Lin Xiao", settings, dt.date(2026, 12, 2))
    [letter] = write_letters(deal, analysis, lang=Lang.en, signature=signed)
    assert letter.body.startswith("2 December 2026\n")
    assert letter.body.rstrip().endswith("Lin Xiao\nAccount Director")
    [zh] = write_letters(deal, analysis, lang=Lang.zh, signature=signed)
    assert zh.body.startswith("2026年12月2日\n")
    other = signature("Someone Else", settings, dt.date(2026, 12, 2))
    assert (other.name, other.title) == ("Someone Else", None), "the title is the setting's person's"


def demo() -> dict[str, object]:
    from tests.e2e.web_support import demo_deal

    data = demo_deal()
    data.pop("id", None)
    return data
