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
