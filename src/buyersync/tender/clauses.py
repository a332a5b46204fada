"""Text blocks to numbered clauses with a location a reader can find: page, section,
clause number, table row.

Headings (Word heading styles, Markdown #, HTML h1–h6, or short numbered lines such as
"第三章 采购需求", "二、资格要求", "Section 4") set the section of what follows; long
paragraphs that run several numbered items together ("…；（2）…") are cut at the numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from buyersync.tender.model import Clause, Where
from buyersync.tender.readers import Block

MAX_CLAUSE = 1_200
_NUMBER = re.compile(
    r"^\s*[★▲*※#]?\s*(?P<n>第[一二三四五六七八九十百零〇\d]+[章节条部分篇]|[一二三四五六七八九十]+\s*[、.．]|"
    r"[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(?:[.．]\d{1,2}){0,4}[、.．)）]?(?=\s|[^\d.．%])|"
    r"[①-⑳]|[a-zA-Z][.)](?=\s)|(?i:section|article|part|chapter|clause)\s+[\dIVX]+(?:\.\d+)*[.:]?)\s*")
_CHAPTER = re.compile(r"^\s*(第[一二三四五六七八九十百零〇\d]+[章部分篇]|(?i:part|chapter)\s+[\dIVX]+)")
_SPLIT_INLINE = re.compile(
    r"(?<=[。；;])\s*(?=([(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[、.．)）](?!\d)|[①-⑳]))")
_TERMINAL = re.compile(r"[。；;，,：:！？!?.]$")


def split_clauses(blocks: list[Block], lang: str, words: Callable[[str], dict[str, str]]) -> list[Clause]:
    """`words(key)` returns the location words (zh/en) from the message file."""
    clauses: list[Clause] = []
    chapter: str | None = None
    heading: str | None = None
    headers: dict[tuple[str, int], list[str]] = {}
    for block in blocks:
        text = re.sub(r"\s+", " ", block.text).strip()
        if not text:
            continue
        m = _NUMBER.match(text)
        number = block.number or (m.group("n").strip() if m else None)
        is_heading = block.kind == "heading" or _is_heading(text, block, bool(m))
        if is_heading:
            title = _short(((block.number + " ") if block.number else "") + text, 40)
            if _CHAPTER.match(text) or (block.level == 1):
                chapter, heading = title, None
            else:
                heading = title
        section = " › ".join(x for x in (chapter, heading) if x) or None
        labelled = None
        if block.kind == "row" and block.table is not None:
            cells = [c.strip() for c in text.split(" | ")]
            key = (block.part, block.table)
            if key not in headers and _is_header(cells):
                headers[key] = cells
                labelled = ""  # the heading row itself requires nothing
            elif key in headers and len(headers[key]) == len(cells):
                labelled = " | ".join(f"{h}: {c}" for h, c in zip(headers[key], cells, strict=True))
        pieces = [text] if block.kind == "row" else _cut(text)
        for i, piece in enumerate(pieces):
            pm = _NUMBER.match(piece)
            where = Where(part=block.part, page=block.page, section=section,
                          number=None if is_heading else (
                              number if i == 0 else (pm.group("n").strip() if pm else None)),
                          table=block.table, row=block.row)
            if block.number and i == 0:
                piece = f"{block.number} {piece}"
            clauses.append(Clause(id=f"c{len(clauses) + 1}", location=_location(where, lang, words),
                                  text=piece, where=where, labelled=labelled))
    return clauses


_HEADER_WORDS = re.compile(
    r"序号|编号|名称|参数|要求|内容|品牌|型号|数量|单位|备注|项目|指标|规格|说明|评分|分值|标准|配置|技术|商务|"
    r"(?i:item|no\.|description|requirement|specification|quantity|unit|brand|model|criteria|points|remarks)")


def _is_header(cells: list[str]) -> bool:
    """A table's heading row: short cells of words, most of them heading words ("序号",
    "技术要求", "Description"), so that a first row like "品牌 | 飞利浦" is still read as data."""
    if len(cells) < 2 or not all(0 < len(c) <= 16 and not re.search(r"\d{2,}", c) for c in cells):
        return False
    return sum(1 for c in cells if _HEADER_WORDS.search(c)) >= max(2, (len(cells) + 1) // 2)


def _is_heading(text: str, block: Block, numbered: bool) -> bool:
    """A short title line: a chapter, a 一、-style heading, or a short numbered title."""
    if block.kind == "row":
        return False
    zh = bool(re.search(r"[\u4e00-\u9fff]", text))
    if len(text) > (30 if zh else 70) or _TERMINAL.search(text) or re.search(r"[:：]", text):
        return False
    if _CHAPTER.match(text) or re.match(r"^\s*[一二三四五六七八九十]+\s*[、.．]", text):
        return True
    if re.match(r"^\s*(?i:section|article|part)\s+[\dIVX]+", text):
        return True
    # "3.2 技术要求" / "4. Scope of Work": numbered, short, no figures that make it a requirement
    requirement = re.search(r"\d\s*[%万元天日人年]|须|应|must|shall", text)
    return numbered and len(text) <= (16 if zh else 50) and not requirement


def _cut(text: str) -> list[str]:
    parts = [p.strip() for p in _SPLIT_INLINE.split(text) if p and p.strip()]
    # re.split keeps the look-ahead groups: drop the bare number captures
    parts = [p for p in parts if not re.fullmatch(r"[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．]?|[①-⑳]", p)]
    out: list[str] = []
    for p in parts or [text]:
        while len(p) > MAX_CLAUSE:
            stops = ("。", "; ", ". ")  # text-ok: sentence ends to cut a long clause at
            cut = max(p.rfind(stop, 0, MAX_CLAUSE) for stop in stops)
            cut = cut + 1 if cut > MAX_CLAUSE // 3 else MAX_CLAUSE
            out.append(p[:cut].strip())
            p = p[cut:].strip()
        if p:
            out.append(p)
    return out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _location(where: Where, lang: str, words: Callable[[str], dict[str, str]]) -> str:
    parts: list[str] = []
    if where.part != "body":
        parts.append(words(where.part)[lang])
    if where.page:
        parts.append(words("page")[lang].format(n=where.page))
    if where.section:
        parts.append(where.section)
    if where.table and where.row:
        parts.append(words("table_row")[lang].format(table=where.table, row=where.row))
    elif where.number and (not where.section or not where.section.endswith(where.number)):
        parts.append(where.number.rstrip("、.．"))  # text-ok: punctuation after a clause number
    return words("sep")[lang].join(parts) or "—"
