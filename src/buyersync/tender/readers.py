"""Tender documents to text blocks with their place: .docx, .pdf (text layer), .txt, .md, .html.

Readers (why these): python-docx (already used for letters) reads body, tables, headers and
footers in document order and exposes the numbering XML, so list numbers Word computes are
restored here; pypdfium2 (PDFium, the engine in Chrome) extracts Chinese text cleanly and
about five times faster than pure-Python readers, and reports encryption; BeautifulSoup
(html.parser backend) copes with the broken markup of procurement portals. Every reader is
bounded: file size, unpacked size (zip bombs), pages, total text.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from buyersync.tender.errors import TenderFileError

MAX_BYTES = 50_000_000
MAX_TEXT_BYTES = 10_000_000  # plain text and HTML: parsing time grows with size
MAX_UNPACKED = 200_000_000
MAX_PAGES = 1_000
MAX_CHARS = 5_000_000
SUFFIXES = (".docx", ".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".text")

BlockKind = Literal["para", "heading", "row"]


@dataclass
class Block:
    text: str
    kind: BlockKind = "para"
    part: Literal["body", "header", "footer"] = "body"
    page: int | None = None
    number: str | None = None  # a list number Word computed (not in the text itself)
    table: int | None = None
    row: int | None = None
    level: int | None = None  # heading level, when the format says so


@dataclass
class Document:
    name: str
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None


def read_path(path: str | Path) -> Document:
    p = Path(path)
    if not p.is_file():
        raise TenderFileError("not_found", where=str(path))
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise TenderFileError("too_large", where=str(path), size=size, limit=MAX_BYTES)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise TenderFileError("unreadable", where=str(path), detail=e.strerror or type(e).__name__) from None
    return read_bytes(data, p.name, where=str(path))


def read_bytes(data: bytes, name: str, where: str | None = None) -> Document:
    """Read a document from its bytes; the file name's suffix (or the content) picks the reader."""
    where = where or name
    if len(data) > MAX_BYTES:
        raise TenderFileError("too_large", where=where, size=len(data), limit=MAX_BYTES)
    if not data.strip():
        raise TenderFileError("no_text", where=where)
    suffix = Path(name).suffix.lower()
    if data[:4] == b"%PDF" or suffix == ".pdf":
        blocks, pages = _read_pdf(data, where)
        return Document(name, blocks, pages)
    if data[:4] == b"PK\x03\x04" or suffix == ".docx":
        return Document(name, _read_docx(data, where))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TenderFileError("old_doc", where=where)
    if suffix and suffix not in SUFFIXES:
        raise TenderFileError("unsupported", where=where, ext=suffix)
    if len(data) > MAX_TEXT_BYTES:
        raise TenderFileError("too_large", where=where, size=len(data), limit=MAX_TEXT_BYTES)
    text = _decode(data, where)
    if suffix in (".html", ".htm") or (not suffix and re.search(r"<(html|body|table|p|div)\b", text[:4000], re.I)):
        return Document(name, _read_html(text))
    return Document(name, _read_text(text, markdown=suffix in (".md", ".markdown")))


def _decode(data: bytes, where: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise TenderFileError("not_text", where=where)


# ---- plain text and Markdown -----------------------------------------------------------

def _read_text(text: str, markdown: bool) -> list[Block]:
    blocks: list[Block] = []
    table = 0
    row = 0
    in_table = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if markdown and line.startswith("|") and line.endswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            if not in_table:
                table, row, in_table = table + 1, 0, True
            row += 1
            blocks.append(Block(" | ".join(c for c in cells if c), "row", table=table, row=row))
            continue
        in_table = False
        if not line:
            blocks.append(Block("", "para"))  # a paragraph break for the clause splitter
            continue
        if markdown and (m := re.match(r"(#{1,6})\s+(.*)", line)):
            blocks.append(Block(m.group(2).strip(), "heading", level=len(m.group(1))))
            continue
        if markdown:
            line = re.sub(r"^[*+-]\s+", "", line)
            line = re.sub(r"(\*\*|__|`)", "", line)
        blocks.append(Block(line, "para"))
    return _join_lines(blocks, wrapped=_looks_wrapped(blocks))


def _looks_wrapped(blocks: list[Block]) -> bool:
    """Text hard-wrapped at a fixed width (copied from a PDF or an e-mail): most lines are
    about as long as the longest ones and stop mid-sentence."""
    lines = [b.text for b in blocks if b.kind == "para" and b.text]
    if len(lines) < 5:
        return False
    full = sorted(_width(t) for t in lines)[int(len(lines) * 0.8)]
    cut = sum(1 for t in lines if _width(t) >= full * 0.85 and not _ENDS_SENTENCE.search(t))
    return full >= 30 and cut >= len(lines) * 0.4


# ---- HTML --------------------------------------------------------------------------------

_BLOCK_TAGS = ("p", "div", "li", "section", "article", "dd", "dt", "blockquote", "pre",
               "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "caption", "form")


def _read_html(text: str) -> list[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "head", "template", "svg"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    # Mark rows and headings with control characters, then read the text once in order.
    for t, table in enumerate(soup.find_all("table"), start=1):
        for r, tr in enumerate(table.find_all("tr"), start=1):
            if tr.find_parent("table") is not table:
                continue
            for cell in tr.find_all(["td", "th"]):
                cell.insert_before("\x02")
            tr.insert_before(f"\n\x01{t}:{r}\x01")
            tr.insert_after("\n")
    for level in range(1, 7):
        for h in soup.find_all(f"h{level}"):
            h.insert_before(f"\n\x03{level}\x03")
            h.insert_after("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    blocks: list[Block] = []
    for raw in soup.get_text().split("\n"):
        line = raw.replace("\xa0", " ")
        if m := re.match(r"\s*\x01(\d+):(\d+)\x01(.*)", line, re.S):
            cells = [re.sub(r"\s+", " ", c).strip() for c in m.group(3).split("\x02")]
            text_row = " | ".join(_dedupe([c for c in cells if c]))
            if text_row:
                blocks.append(Block(text_row, "row", table=int(m.group(1)), row=int(m.group(2))))
            continue
        line = re.sub(r"[ \t]+", " ", line.replace("\x02", " ")).strip()
        if m := re.match(r"\x03(\d)\x03(.*)", line):
            if m.group(2).strip():
                blocks.append(Block(m.group(2).strip(), "heading", level=int(m.group(1))))
            continue
        blocks.append(Block(line, "para"))
    return _join_lines(blocks)


def _dedupe(cells: list[str]) -> list[str]:
    """Merged cells repeat their text in every grid cell they span: keep one."""
    out: list[str] = []
    for c in cells:
        if not out or out[-1] != c:
            out.append(c)
    return out


# ---- Word .docx --------------------------------------------------------------------------

def _check_zip(data: bytes, where: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise TenderFileError("corrupt_docx", where=where, detail=str(e) or type(e).__name__) from None
    if total > MAX_UNPACKED or len(infos) > 10_000:
        raise TenderFileError("zip_bomb", where=where, limit=MAX_UNPACKED)
    if "word/document.xml" not in names:
        raise TenderFileError("docx_no_body", where=where)


def _read_docx(data: bytes, where: str) -> list[Block]:
    _check_zip(data, where)
    from docx import Document as open_docx
    from docx.oxml.ns import qn

    try:
        doc = open_docx(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds for a damaged package
        raise TenderFileError("corrupt_docx", where=where, detail=type(e).__name__) from None
    numbering = _Numbering(doc)
    has_pages = doc.element.body.find(".//" + qn("w:lastRenderedPageBreak")) is not None or any(
        br.get(qn("w:type")) == "page" for br in doc.element.body.iter(qn("w:br")))
    state = {"page": 1, "table": 0}
    blocks: list[Block] = []

    def para_block(p: Any, part: Literal["body", "header", "footer"]) -> Block | None:
        text = "".join(_run_texts(p, qn))
        if part == "body":
            breaks = sum(1 for _ in p.iter(qn("w:lastRenderedPageBreak"))) + sum(
                1 for br in p.iter(qn("w:br")) if br.get(qn("w:type")) == "page")
            state["page"] += breaks
        number = numbering.next(p)
        text = text.strip()
        if not text:
            return None
        style = p.find(qn("w:pPr") + "/" + qn("w:pStyle"))
        sname = (style.get(qn("w:val")) if style is not None else "") or ""
        level = None
        if m := re.match(r"(?i)(heading|标题|title)\s*(\d?)", sname):
            level = int(m.group(2) or 1)
        return Block(text, "heading" if level else "para", part=part,
                     page=state["page"] if has_pages and part == "body" else None,
                     number=number, level=level)

    def walk(container: Any, part: Literal["body", "header", "footer"]) -> None:
        for child in container.iterchildren():
            tag = child.tag
            if tag == qn("w:p"):
                if b := para_block(child, part):
                    blocks.append(b)
            elif tag == qn("w:tbl"):
                state["table"] += 1
                t = state["table"]
                for r, tr in enumerate(child.iterchildren(qn("w:tr")), start=1):
                    cells = []
                    for tc in tr.iterchildren(qn("w:tc")):
                        cell = " ".join(
                            "".join(_run_texts(p, qn)).strip() for p in tc.iter(qn("w:p")))
                        cells.append(re.sub(r"\s+", " ", cell).strip())
                    text = " | ".join(_dedupe([c for c in cells if c]))
                    if text:
                        blocks.append(Block(text, "row", part=part, table=t, row=r,
                                            page=state["page"] if has_pages and part == "body" else None))
            elif tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content, part)

    seen: set[str] = set()
    for section in doc.sections:
        for part_name, hf in (("header", section.header), ("footer", section.footer)):
            try:
                element = hf._element  # python-docx exposes no public walk of header XML
            except Exception:  # a section may inherit (no header part of its own)
                continue
            before = len(blocks)
            walk(element, part_name)  # type: ignore[arg-type]
            new = blocks[before:]
            del blocks[before:]
            for b in new:
                if b.text not in seen:
                    seen.add(b.text)
                    blocks.append(b)
    header_blocks = blocks[:]
    blocks.clear()
    walk(doc.element.body, "body")
    return blocks + header_blocks


def _run_texts(p: Any, qn: Any) -> list[str]:
    out: list[str] = []
    t_tag, tab, br, cr = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
    for el in p.iter(t_tag, tab, br, cr):
        if el.tag == t_tag:
            out.append(el.text or "")
        elif el.tag == tab or el.get(qn("w:type")) != "page":
            out.append(" ")
    return out


class _Numbering:
    """Word's automatic list numbers (1. 1.1 一、 (a) …), counted the way Word counts them."""

    def __init__(self, doc: Any) -> None:
        from docx.oxml.ns import qn

        self.qn = qn
        self.nums: dict[str, str] = {}
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            root = doc.part.numbering_part.element
        except Exception:  # no numbering part: no automatic numbers
            return
        for num in root.iterchildren(qn("w:num")):
            abstract = num.find(qn("w:abstractNumId"))
            if abstract is not None:
                self.nums[num.get(qn("w:numId"))] = abstract.get(qn("w:val"))
        for an in root.iterchildren(qn("w:abstractNum")):
            aid = an.get(qn("w:abstractNumId"))
            for lvl in an.iterchildren(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl")) or 0)
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                self.levels[(aid, ilvl)] = (
                    fmt.get(qn("w:val")) if fmt is not None else "decimal",
                    text.get(qn("w:val")) if text is not None else "",
                    int(start.get(qn("w:val"))) if start is not None else 1,
                )
        try:
            for style in doc.styles.element.iterchildren(qn("w:style")):
                numpr = style.find(qn("w:pPr") + "/" + qn("w:numPr"))
                if numpr is not None:
                    nid = numpr.find(qn("w:numId"))
                    ilvl = numpr.find(qn("w:ilvl"))
                    if nid is not None:
                        self.style_num[style.get(qn("w:styleId"))] = (
                            nid.get(qn("w:val")), int(ilvl.get(qn("w:val"))) if ilvl is not None else 0)
        except Exception:  # styles are optional
            pass

    def next(self, p: Any) -> str | None:
        qn = self.qn
        ppr = p.find(qn("w:pPr"))
        if ppr is None or not self.levels:
            return None
        numpr = ppr.find(qn("w:numPr"))
        nid: str | None = None
        ilvl = 0
        if numpr is not None:
            n = numpr.find(qn("w:numId"))
            lv = numpr.find(qn("w:ilvl"))
            nid = n.get(qn("w:val")) if n is not None else None
            ilvl = int(lv.get(qn("w:val"))) if lv is not None else 0
        else:
            style = ppr.find(qn("w:pStyle"))
            if style is not None and (sn := self.style_num.get(style.get(qn("w:val")))):
                nid, ilvl = sn
        if not nid or nid == "0" or nid not in self.nums:
            return None
        aid = self.nums[nid]
        if (aid, ilvl) not in self.levels:
            return None
        counts = self.counters.setdefault(aid, [0] * 9)
        fmt, text, start = self.levels[(aid, ilvl)]
        counts[ilvl] = (counts[ilvl] or start - 1) + 1 if counts[ilvl] else start
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        if fmt in ("bullet", "none"):
            return None

        def level_value(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            f, _, s = self.levels.get((aid, k), ("decimal", "", 1))
            return _format_number(counts[k] or s, f)

        return re.sub(r"%(\d)", level_value, text).strip() or None


_CN_DIGITS = "零一二三四五六七八九"  # text-ok: the numerals Word's Chinese list numbers are made of


def _chinese(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    ten = "十"  # text-ok: a numeral of Word's Chinese list numbers
    if n < 20:
        return ten + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + ten + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in vals:
        while n >= v:
            out, n = out + s, n - v
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt.startswith(("chineseCounting", "ideographTraditional", "taiwaneseCounting", "japaneseCounting")):
        return _chinese(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    return str(n)


# ---- PDF ---------------------------------------------------------------------------------

_PAGE_NO = re.compile(r"^(第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|[-–—]?\s*\d{1,4}\s*[-–—]?|"
                      r"(?i:page)\s*\d+(\s*(?i:of)\s*\d+)?|\d+\s*/\s*\d+)$")


def _read_pdf(data: bytes, where: str) -> tuple[list[Block], int]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise TenderFileError("encrypted_pdf", where=where) from None
        raise TenderFileError("corrupt_pdf", where=where, detail=str(e)) from None
    try:
        pages = len(pdf)
        if pages > MAX_PAGES:
            raise TenderFileError("too_many_pages", where=where, pages=pages, limit=MAX_PAGES)
        page_lines: list[list[str]] = []
        total = 0
        for i in range(pages):
            page = pdf[i]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
            total += len(text)
            if total > MAX_CHARS:
                raise TenderFileError("too_large", where=where, size=total, limit=MAX_CHARS)
            page_lines.append([ln.strip() for ln in re.split(r"\r\n|\r|\n", text)])
    finally:
        pdf.close()
    # Running headers and footers repeat on most pages: drop them, and bare page numbers.
    counts: dict[str, int] = {}
    for lines in page_lines:
        for ln in set(lines):
            if ln:
                counts[ln] = counts.get(ln, 0) + 1
    repeated = {ln for ln, c in counts.items() if pages >= 3 and c >= max(3, pages // 2) and len(ln) < 80}
    # A scan has no text layer, or only stamped page numbers and a running title: a text
    # page carries hundreds of characters, so under 25 a page on average is not a text PDF.
    letters = sum(len(re.sub(r"\s", "", ln)) for lines in page_lines for ln in lines
                  if ln not in repeated and not _PAGE_NO.match(ln))
    if letters < 25 * max(1, pages):
        raise TenderFileError("scanned_pdf", where=where, pages=pages)
    blocks: list[Block] = []
    for n, lines in enumerate(page_lines, start=1):
        for ln in lines:
            if not ln or ln in repeated or _PAGE_NO.match(ln):
                if not ln:
                    blocks.append(Block("", "para", page=n))
                continue
            blocks.append(Block(ln, "para", page=n))
    return _join_lines(blocks, wrapped=True), pages


# ---- joining wrapped lines into paragraphs ----------------------------------------------

_STARTS_ITEM = re.compile(
    r"^(第[一二三四五六七八九十百零〇\d]+[章节条部分篇款项]|[一二三四五六七八九十]+\s*[、.．]|"
    r"[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(\.\d{1,2}){0,4}\s*[、.．)）]?\s*\S|"
    r"[①-⑳]|[a-zA-Z][.)]\s|[★▲■●◆※*•·-]\s?|(?i:section|article|part|chapter)\s+[\dIVX]+)")
_ENDS_SENTENCE = re.compile(r"[。；;：:！？!?]$|\.$")


def _join_lines(blocks: list[Block], wrapped: bool = False) -> list[Block]:
    """Glue lines a layout wrapped back into paragraphs; keep rows, headings, items apart.

    A line continues the one before when that one did not end a sentence and this one
    does not start a numbered item. Plain text and PDFs both need it; only PDFs wrap at
    a fixed width, so only there does a short previous line also end a paragraph.
    """
    out: list[Block] = []
    widths = sorted(_width(b.text) for b in blocks if b.kind == "para" and b.text)
    full = widths[int(len(widths) * 0.95)] if widths else 0  # a line that reaches the margin
    prev_open = False
    for b in blocks:
        if b.kind != "para" or not b.text:
            if b.text:
                out.append(b)
            prev_open = False
            continue
        if prev_open and out and out[-1].kind == "para" and not _STARTS_ITEM.match(b.text):
            last = out[-1]
            sep = "" if _cjk_edge(last.text[-1]) or _cjk_edge(b.text[0]) else " "
            last.text = last.text + sep + b.text
        else:
            out.append(b)
        ended = bool(_ENDS_SENTENCE.search(out[-1].text))
        short = bool(full) and _width(b.text) < full * 0.85
        prev_open = wrapped and not ended and not short
    return out


def _width(text: str) -> int:
    """Printed width: a Chinese character takes about two Latin letters' room."""
    return len(text) + sum(1 for ch in text if _cjk_edge(ch))


def _cjk_edge(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"
