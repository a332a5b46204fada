"""Tender checks as a use case: read a tender (and datasheets), flag its clauses, draft the
letters, and optionally attach the result to a saved deal. The CLI and the web call this.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from buyersync.method.model import Analysis, Deal, Letter
from buyersync.method.stages import Driver, Exchange, Lang, Stage
from buyersync.services import letters as letter_files
from buyersync.tender import (
    Document,
    TenderReport,
    check,
    exchange_paragraph,
    read_bytes,
    read_path,
)

SOURCE = "tender"


def check_tender_file(path: str | Path, datasheets: Sequence[str | Path] = (), lang: str | None = None,
                      today: dt.date | None = None) -> TenderReport:
    """`buyersync tender FILE [--datasheet FILE…]`: the report for a file on disk."""
    doc = read_path(path)
    sheets = [read_path(p) for p in datasheets]
    return check(doc, sheets, lang=lang, today=today)


def check_tender_bytes(data: bytes, name: str, datasheets: Sequence[tuple[bytes, str]] = (),
                       lang: str | None = None, today: dt.date | None = None) -> TenderReport:
    """The same for an upload (web, API): bytes and the file name the user gave."""
    doc: Document = read_bytes(data, name)
    sheets = [read_bytes(b, n) for b, n in datasheets]
    return check(doc, sheets, lang=lang, today=today)


def exchange_letter(report: TenderReport, deal: Deal | None = None) -> Letter | None:
    """The exchange-conditions letter (METHOD §4, solution) with a paragraph naming the
    flagged clauses; for a saved deal, addressed as the deal's analysis addresses it."""
    from buyersync.method.planner import plan

    lang = Lang(report.summary.lang)
    base = deal or Deal.model_validate({"name": _title(report), "lang": lang, "stage": Stage.solution})
    passed = {s: Driver.competitor for s in Stage.solution.before()}
    work = base.model_copy(update={
        "stage": Stage.solution, "exchange": base.exchange or Exchange.pending,
        "drivers": {**passed, **{k: v for k, v in base.drivers.items() if v is Driver.us}}})
    analysis: Analysis = plan(work, stage=Stage.solution, stage_source="given", lang=lang)
    letter = next((x for x in analysis.letters if x.kind == "exchange_conditions"), None)
    if letter is None:
        return None
    extra = exchange_paragraph(report.flags, report.clauses, report.summary.lang)
    if extra:
        paragraphs = letter.body.rstrip().split("\n\n")
        at = max(1, len(paragraphs) - 2)
        letter = letter.model_copy(update={"body": "\n\n".join([*paragraphs[:at], extra, *paragraphs[at:]]) + "\n"})
    return letter


def letter_file(report: TenderReport, kind: str, fmt: str, deal: Deal | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of one letter as Markdown or .docx: clarification, challenge or
    exchange_conditions."""
    if kind == "exchange_conditions":
        found: Letter | None = exchange_letter(report, deal)
        subject, body = (found.subject, found.body) if found else ("", "")
    else:
        match = next((x for x in report.summary.letters if x.kind == kind), None)
        subject, body = (match.subject, match.body) if match else ("", "")
    name = letter_files.file_name(_title(report), kind, fmt)
    if fmt == "docx":
        return name, letter_files.to_docx(subject, body)
    return name, letter_files.to_markdown(subject, body).encode("utf-8")


def evidence_text(report: TenderReport, file_name: str) -> str:
    """What a saved deal keeps of a tender check: the headline and each flagged clause."""
    by_id = {c.id: c for c in report.clauses}
    lines = [f"{file_name}: {report.summary.headline}"]
    for f in report.flags:
        c = by_id.get(f.clause)
        where = c.location if c else f.clause
        text = re.sub(r"\s+", " ", c.text)[:200] if c else ""
        lines.append(f"- [{f.kind.value}/{f.severity}] {where}: {text}")
    return "\n".join(lines)[:90_000]


def shaped_drivers(report: TenderReport, deal: Deal) -> Deal | None:
    """The deal with `measures` marked as shaped by a competitor, when the tender shows it
    (restrictive clauses or a datasheet match) and nobody recorded who shaped it; else None.
    A tender in hand means the customer has passed `measures`: its specs and criteria are
    what the flags are about."""
    if not report.summary.competitor_led or report.summary.stage != Stage.solution.value:
        return None
    if deal.drivers.get(Stage.measures, Driver.unknown) is not Driver.unknown:
        return None
    return deal.model_copy(update={"drivers": {**deal.drivers, Stage.measures: Driver.competitor}})


def attach(service: object, deal_id: str, report: TenderReport, file_name: str) -> Analysis:
    """Keep the check with the deal as evidence (so exports and backups carry it), and let
    it say who shaped the specs (shaped_drivers)."""
    from buyersync.services.deals import DealService

    assert isinstance(service, DealService)
    analysis = service.add_evidence(deal_id, evidence_text(report, file_name), dt.date.today(),
                                    f"{SOURCE}:{file_name}"[:200])
    changed = shaped_drivers(report, service.export(deal_id))
    if changed is not None:
        analysis = service.update(deal_id, changed).analysis
    return analysis


def _title(report: TenderReport) -> str:
    first = next((c.text for c in report.clauses if len(c.text) >= 4), "tender")
    return first[:120]
