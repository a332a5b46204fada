"""Tender checks on the web: `POST /api/v1/tender` (multipart upload → the CLI's object) and
the deal room's tender panel (upload, highlighted clauses, letters to download).

The API route only computes (nothing is written), so a cross-site form post gains nothing;
attaching a check to a deal happens through the deal room's CSRF-protected form.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup, escape

from buyersync.errors import BadInput, NotFound
from buyersync.method.model import Evidence
from buyersync.tender import TenderFileError, TenderReport
from buyersync.web.deals import DealAccess
from buyersync.web.deps import Ctx, UiLang, Who, check_csrf, signed_in
from buyersync.web.pages import respond, room_context

api = APIRouter(prefix="/api/v1", tags=["api"])
pages = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

MAX_UPLOAD = 50_000_000
LETTER_KINDS = ("clarification", "challenge", "exchange_conditions")


async def _read(upload: UploadFile, field: str) -> tuple[bytes, str]:
    data = await upload.read(MAX_UPLOAD + 1)
    name = upload.filename or field
    if len(data) > MAX_UPLOAD:
        raise TenderFileError("too_large", where=name, field=field, size=f">{MAX_UPLOAD}", limit=MAX_UPLOAD)
    return data, name


async def _check(file: UploadFile, datasheets: list[UploadFile], lang: str | None) -> tuple[TenderReport, str]:
    from buyersync.services.tender import check_tender_bytes

    if lang not in (None, "", "zh", "en"):
        raise TenderFileError("bad_lang", where="lang", field="lang", value=repr(lang))
    data, name = await _read(file, "file")
    sheets = [await _read(d, "datasheet") for d in datasheets if d.filename]
    try:
        report = check_tender_bytes(data, name, sheets, lang=lang or None)
    except BadInput as e:
        e.field = e.field or "file"
        raise
    return report, name


@api.post("/tender", response_model=TenderReport, dependencies=[Depends(signed_in)],
          summary="Check a tender for clauses written around one supplier (multipart upload)")
async def check_tender(
    file: Annotated[UploadFile, File(description="The tender: .docx, .pdf, .txt, .md or .html")],
    datasheet: Annotated[list[UploadFile] | None, File(description="Product datasheets to compare")] = None,
    lang: Annotated[str | None, Form(description="zh or en (default: the tender's)")] = None,
) -> JSONResponse:
    report, _ = await _check(file, datasheet or [], lang)
    return JSONResponse(report.model_dump(mode="json"))


def marked(text: str, matches: list[str]) -> Markup:
    """The clause with what each flag matched wrapped in <mark>. Matches were found in the
    NFKC, lower-cased text; they map back only where that kept every character's place."""
    from buyersync.tender.figures import normalise

    norm = normalise(text).replace(" | ", ": ")
    spans: list[tuple[int, int]] = []
    if len(norm) == len(text):
        for m in matches:
            # a match read with column headings ("品牌: 飞利浦") shows on its value cell
            for part in ([m] + [p.split(": ", 1)[-1] for p in m.split(" | ")] if m else []):
                at = norm.find(part) if part else -1
                if at >= 0:
                    spans.append((at, at + len(part)))
                    break
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out += [str(escape(text[pos:start])), "<mark>", str(escape(text[start:end])), "</mark>"]
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def tender_view(report: TenderReport, lang: str) -> dict[str, Any]:
    """What the panel shows: each flagged clause with its flags, in document order."""
    from buyersync.tender.rules import messages

    flags: dict[str, list[Any]] = {}
    for f in report.flags:
        flags.setdefault(f.clause, []).append(f)
    clauses = [{"clause": c, "flags": flags[c.id], "marked": marked(c.text, [f.match for f in flags[c.id]])}
               for c in report.clauses if c.id in flags]
    words = messages()
    return {"report": report, "flagged": clauses,
            "kind_names": {k: v[lang] for k, v in words["kind_names"].items()},
            "severity_names": {k: v[lang] for k, v in words["severity_names"].items()}}


@pages.post("/deals/{deal_id}/tender", response_class=HTMLResponse)
async def upload_tender(
    deal_id: str, request: Request, ctx: Ctx, who: Who, lang: UiLang,
    file: Annotated[UploadFile, File()],
    datasheet: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    from buyersync.services.tender import SOURCE, evidence_text, exchange_letter, shaped_drivers

    access = DealAccess(ctx, who)
    view = access.get(deal_id)
    try:
        report, name = await _check(file, datasheet or [], None)
    except BadInput as e:
        context = room_context(request, ctx, who, lang, deal_id, tender_error=e.render(lang.value))
        return respond(request, "room.html", context, "room", status=422)
    access.add_evidence(deal_id, Evidence.model_validate(
        {"text": evidence_text(report, name), "source": f"{SOURCE}:{name}"[:200]}))
    changed = shaped_drivers(report, access.get(deal_id).deal)
    if changed is not None:
        access.update(deal_id, changed)
    exchange = exchange_letter(report, view.deal)
    context = room_context(request, ctx, who, lang, deal_id,
                           tender=tender_view(report, lang.value) | {"file": name, "exchange": exchange})
    return respond(request, "room.html", context, "room")


@pages.post("/deals/{deal_id}/tender-letters/{filename}")
def tender_letter_file(deal_id: str, filename: str, ctx: Ctx, who: Who,
                       subject: Annotated[str, Form(max_length=2_000)],
                       body: Annotated[str, Form(max_length=100_000)]) -> Response:
    from buyersync.services import letters

    kind, _, ext = filename.rpartition(".")
    if kind not in LETTER_KINDS or ext not in ("docx", "md"):
        raise NotFound("letter", filename)
    view = DealAccess(ctx, who).get(deal_id)
    name = letters.file_name(view.deal.name, kind, ext)
    disposition = f"attachment; filename=\"{kind}.{ext}\"; filename*=UTF-8''{quote(name)}"  # text-ok: HTTP header
    if ext == "md":
        return Response(letters.to_markdown(subject, body),
                        media_type="text/markdown; charset=utf-8",  # text-ok: a media type
                        headers={"Content-Disposition": disposition})
    return Response(letters.to_docx(subject, body), headers={"Content-Disposition": disposition},
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
