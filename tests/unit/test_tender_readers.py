"""Tender documents read into clauses with locations: .docx, .pdf, .html, .md, .txt; and the
clear one-line refusals for files that cannot be read."""

from __future__ import annotations

import io
import zipfile

import pytest

from buyersync.tender import TenderFileError, check, read_bytes
from tests.tender_docs import (
    CJK_FONT,
    EN_TENDER,
    ZH_EXPECTED,
    ZH_TENDER,
    blank_pdf,
    docx_bytes,
    html_text,
    pdf_bytes,
    text_lines,
)


def clause_with(report, fragment):  # type: ignore[no-untyped-def]
    return next(c for c in report.clauses if fragment in c.text)


def test_a_word_tender_keeps_tables_numbered_lists_headings_and_headers() -> None:
    data = docx_bytes(ZH_TENDER, header="某市人民医院招标文件", footer="第1页")
    report = check(read_bytes(data, "监护设备.docx"))
    row = clause_with(report, "飞利浦")
    assert row.where.table == 1 and row.where.row == 2
    assert "表1第2行" in row.location
    listed = clause_with(report, "注册资本不低于")
    assert listed.where.number == "2."  # Word's automatic number, counted
    assert listed.where.section and "投标人资格要求" in listed.where.section
    assert any(c.where.part == "header" and "招标文件" in c.text for c in report.clauses)


def test_a_word_tender_in_english_is_read_the_same_way() -> None:
    report = check(read_bytes(docx_bytes(EN_TENDER), "rfp.docx"))
    row = clause_with(report, "Sysmex")
    assert row.where.table == 1 and "table 1, row 2" in row.location
    assert report.summary.lang == "en"


def test_a_pdf_keeps_page_numbers_and_drops_running_footers() -> None:
    lines = text_lines(EN_TENDER)
    report = check(read_bytes(pdf_bytes(lines + ["Page footer of the county"], pages=3), "rfp.pdf"))
    pages = {c.where.page for c in report.clauses}
    assert pages == {1, 2, 3}
    assert not any(c.text == "Page footer of the county" for c in report.clauses)
    assert "p. 2" in next(c for c in report.clauses if c.where.page == 2).location


@pytest.mark.skipif(not CJK_FONT.exists(), reason="no CJK font to write a Chinese PDF with")
def test_a_chinese_pdf_is_read_without_spaces_between_characters() -> None:
    report = check(read_bytes(pdf_bytes(text_lines(ZH_TENDER), cjk=True), "招标.pdf"))
    assert any("投标人注册资本不低于3000万元人民币" in c.text for c in report.clauses)
    assert report.summary.lang == "zh"
    # short lines stay apart (a line that stops before the margin ends its paragraph)
    for fragment, kind in ZH_EXPECTED.items():
        ids = {c.id for c in report.clauses if fragment in c.text}
        assert kind in {f.kind.value for f in report.flags if f.clause in ids}, fragment


def test_html_and_markdown_tables_become_rows() -> None:
    html = check(read_bytes(html_text(ZH_TENDER).encode("utf-8"), "notice.html"))
    assert clause_with(html, "飞利浦").where.row == 2
    assert not any("color:red" in c.text for c in html.clauses)
    md = "# 技术参数\n\n| 序号 | 参数 | 要求 |\n|---|---|---|\n| 1 | 品牌 | 飞利浦 |\n"
    report = check(read_bytes(md.encode("utf-8"), "spec.md"))
    row = clause_with(report, "飞利浦")
    assert row.where.table == 1 and row.where.section == "技术参数"


def test_plain_text_in_gb18030_is_decoded() -> None:
    text = "\n".join(text_lines(ZH_TENDER)).encode("gb18030")
    report = check(read_bytes(text, "notice.txt"))
    assert any("注册资本不低于3000万元" in c.text for c in report.clauses)


def test_text_wrapped_at_a_fixed_width_is_joined_back_into_sentences() -> None:
    sentence = ("The offeror must have average annual revenue of at least fifty million dollars over the "
                "last three fiscal years as shown in audited statements.")
    wrapped = "\n".join(sentence[i:i + 40] for i in range(0, len(sentence), 40))
    report = check(read_bytes((wrapped + "\n\n" + wrapped).encode(), "rfp.txt"))
    assert any(c.text.startswith("The offeror must") and c.text.endswith("statements.") for c in report.clauses)


def refusal(data: bytes, name: str) -> str:
    with pytest.raises(TenderFileError) as caught:
        read_bytes(data, name)
    message = str(caught.value)
    assert "\n" not in message and name in message
    return caught.value.key


def test_a_scanned_pdf_is_refused_with_a_hint_to_run_ocr() -> None:
    assert refusal(blank_pdf(), "scan.pdf") == "scanned_pdf"


def test_a_password_protected_pdf_is_refused() -> None:
    assert refusal(pdf_bytes(["secret"], encrypt="pw"), "locked.pdf") == "encrypted_pdf"


def test_a_corrupt_word_file_is_refused() -> None:
    assert refusal(b"PK\x03\x04 this is not a zip", "broken.docx") == "corrupt_docx"


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<w:document/>")
        with z.open("word/media/big.bin", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(210):
                f.write(chunk)
    assert refusal(buf.getvalue(), "bomb.docx") == "zip_bomb"


def test_a_binary_word_97_file_is_refused_with_what_to_do() -> None:
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.doc") == "old_doc"


def test_an_unknown_file_type_is_refused() -> None:
    assert refusal(b"a,b\n1,2\n", "table.csv") == "unsupported"


def test_a_pdf_locked_only_against_copying_is_still_read() -> None:
    # tender PDFs often carry an owner password (no copying, no editing) but open freely
    data = pdf_bytes(text_lines(EN_TENDER), encrypt="")
    report = check(read_bytes(data, "locked-copying.pdf"))
    assert any("Sysmex" in c.text for c in report.clauses)


def test_a_scan_with_stamped_page_numbers_is_still_a_scan() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=9)
    for n in range(1, 6):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")
        pdf.text(100, 290, f"Page {n} of 5")
    assert refusal(bytes(pdf.output()), "stamped-scan.pdf") == "scanned_pdf"
