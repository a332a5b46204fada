"""Builders of test tenders written for these tests: Word files (python-docx), PDFs (fpdf2),
HTML and Markdown, in Chinese and English. Nothing here is copied from a real tender."""

from __future__ import annotations

import io
from pathlib import Path

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

ZH_TENDER = [
    ("h", "第一章 招标公告"),
    ("p", "某市人民医院重症监护设备采购项目（项目编号：ZB-2026-031）"),
    ("p", "公告发布时间：2026年3月2日"),
    ("p", "投标截止时间：2026年3月13日上午9时30分（北京时间）"),
    ("h", "第二章 投标人资格要求"),
    ("li", "投标人须具有独立承担民事责任的能力，提供营业执照副本。"),
    ("li", "投标人注册资本不低于3000万元人民币。"),
    ("li", "投标人须具有本省范围内三级甲等医院同类项目业绩不少于3项。"),
    ("li", "投标人须具有ISO9001质量管理体系认证证书。"),
    ("li", "本项目不接受联合体投标。"),
    ("h", "第三章 技术参数"),
    ("row", ["序号", "参数名称", "技术要求"]),
    ("row", ["1", "品牌", "飞利浦"]),
    ("row", ["2", "主机重量", "3.47 kg，电池容量 4850 mAh"]),
    ("row", ["3", "屏幕尺寸", "≥12英寸彩色触摸屏"]),
    ("row", ["4", "参考品牌", "迈瑞、理邦或同等档次产品"]),
    ("p", "检测报告须由国家医疗器械质量监督检验中心出具。"),
    ("p", "本地企业投标的，评审时给予加3分。"),
]
# clause text fragment -> kind, for assertions (the clauses above that must be flagged)
ZH_EXPECTED = {
    "注册资本不低于": "size_threshold",
    "本省范围内三级甲等医院": "regional_or_industry_record",
    "飞利浦": "brand_named",
    "3.47 kg": "single_product_spec",
    "国家医疗器械质量监督检验中心": "specific_certificate_or_report",
    "本地企业投标": "discriminatory_treatment",
}
ZH_CLEAN = ["营业执照", "ISO9001", "联合体", "≥12英寸", "或同等档次"]

EN_TENDER = [
    ("h", "Section 1 Solicitation"),
    ("p", "Request for Proposals No. 26-114: Laboratory Analyzers for the County Health Department."),
    ("p", "Issue date: March 2, 2026"),
    ("p", "Proposals are due April 14, 2026 at 2:00 p.m. local time."),
    ("h", "Section 2 Offeror Qualifications"),
    ("li", "The offeror shall be registered in SAM.gov and not be debarred."),
    ("li", "The offeror must have average annual revenue of at least $50 million over the last three years."),
    ("li", "Offerors must have an office located within the county limits."),
    ("li", "The offeror shall hold ISO 9001 certification."),
    ("h", "Section 3 Specifications"),
    ("row", ["Item", "Requirement"]),
    ("row", ["Analyzer", "Brand name only: Sysmex XN-1000, no substitutions"]),
    ("row", ["Throughput", "At least 100 samples per hour"]),
    ("row", ["Reagents", "Brand name or equal; salient characteristics listed in Annex B"]),
    ("p", "Preference will be given to local vendors in the evaluation."),
]
EN_EXPECTED = {
    "annual revenue": "size_threshold",
    "within the county": "regional_or_industry_record",
    "Sysmex": "brand_named",
    "local vendors": "discriminatory_treatment",
}
EN_CLEAN = ["SAM.gov", "ISO 9001", "100 samples", "or equal"]


def docx_bytes(items: list[tuple[str, object]], header: str | None = None, footer: str | None = None) -> bytes:
    from docx import Document

    doc = Document()
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    if footer:
        doc.sections[0].footer.paragraphs[0].text = footer
    table = None
    for kind, value in items:
        if kind == "row":
            cells = list(value)  # type: ignore[call-overload]
            if table is None:
                table = doc.add_table(rows=0, cols=len(cells))
            row = table.add_row()
            for cell, text in zip(row.cells, cells, strict=False):
                cell.text = str(text)
            continue
        table = None
        if kind == "h":
            doc.add_heading(str(value), level=1)
        elif kind == "li":
            doc.add_paragraph(str(value), style="List Number")
        else:
            doc.add_paragraph(str(value))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def text_lines(items: list[tuple[str, object]]) -> list[str]:
    lines = []
    n = 0
    for kind, value in items:
        if kind == "row":
            lines.append(" | ".join(str(v) for v in value))  # type: ignore[attr-defined]
        elif kind == "li":
            n += 1
            lines.append(f"{n}. {value}")
        else:
            n = 0
            lines.append(str(value))
    return lines


def html_text(items: list[tuple[str, object]]) -> str:
    parts = ["<html><head><style>p{color:red}</style></head><body>"]
    in_table = False
    for kind, value in items:
        if kind == "row":
            if not in_table:
                parts.append("<table>")
                in_table = True
            parts.append("<tr>" + "".join(f"<td>{v}</td>" for v in value) + "</tr>")  # type: ignore[attr-defined]
            continue
        if in_table:
            parts.append("</table>")
            in_table = False
        tag = {"h": "h2", "li": "p", "p": "p"}[kind]
        parts.append(f"<{tag}>{value}</{tag}>")
    parts.append("</table></body></html>" if in_table else "</body></html>")
    return "".join(parts)


def pdf_bytes(lines: list[str], cjk: bool = False, pages: int = 1, encrypt: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if cjk:
        pdf.add_font("cjk", fname=str(CJK_FONT), collection_font_number=2)
        pdf.set_font("cjk", size=10)
    else:
        pdf.set_font("helvetica", size=10)
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password=encrypt)
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def blank_pdf(pages: int = 2) -> bytes:
    """Pages with a drawing and no text: what a scan looks like to a text extractor."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")
    return bytes(pdf.output())
