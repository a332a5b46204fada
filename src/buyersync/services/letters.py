"""Letters as files a seller can send: Markdown and Word (.docx), from a subject and a body.

The text comes from the analysis (or from the seller's edit of it); this module only lays
it out, keeping paragraphs and numbered lines as the seller wrote them.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from buyersync.config import Settings
from buyersync.method.model import Signature

MAX_LETTER = 50_000
# characters XML 1.0 (and so a .docx) cannot hold: controls other than tab and newline,
# lone surrogates, U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def signature(owner: str | None, settings: Settings, today: dt.date) -> Signature:
    """The deal's owner signs, dated today. The configured name (BUYERSYNC_SIGNER_NAME) signs
    deals with no owner, and the configured title goes under that name only."""
    name = (owner or settings.signer_name or "").strip() or None
    title = settings.signer_title if name and name == settings.signer_name else None
    return Signature(name=name, title=title, date=today)


def to_markdown(subject: str, body: str) -> str:
    return f"# {subject.strip()}\n\n{_normalise(body)}\n"


def to_docx(subject: str, body: str, *, author: str | None = None,
            created: dt.datetime | None = None, language: str | None = None) -> bytes:
    """The letter as Word, its document properties the seller's own: the title is the
    subject, the author the signer, created and modified now (not the template's)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    # Word picks East Asian glyphs from a separate font slot; name one that has them.
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "Microsoft YaHei")  # text-ok: a font family name
    subject = _NOT_XML.sub("", subject).strip()
    props = doc.core_properties
    when = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0, tzinfo=None)
    props.title = subject[:255]
    props.author = props.last_modified_by = (author or "").strip()[:255]
    props.created = props.modified = when
    props.revision = 1
    props.comments = props.keywords = props.subject = props.category = ""
    if language:
        props.language = language
    doc.add_heading(subject, level=1)
    for paragraph in _normalise(body).split("\n\n"):
        lines = paragraph.split("\n")
        p = doc.add_paragraph()
        for i, line in enumerate(lines):
            run = p.add_run(line)
            if i < len(lines) - 1:
                run.add_break()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def file_name(deal_name: str, kind: str, ext: str) -> str:
    """A download name that keeps Chinese letters but nothing a file system dislikes."""
    stem = re.sub(r"[\\/:*?\"<>|\s]+", "-", deal_name).strip("-.")[:80] or "deal"
    return f"{stem}-{kind}.{ext}"


def _normalise(body: str) -> str:
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    text = _NOT_XML.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
