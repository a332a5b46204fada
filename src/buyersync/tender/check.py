"""The tender check: a document (and optional datasheets) to clauses, flags, bid period,
summary and the letters that answer them.

Order: read → split into clauses → pattern flags (rules.py) → datasheet matches upgrade or
add single-product flags (datasheet.py) → bid period (period.py) → words in the tender's
language (or the one asked for) → summary and letters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from buyersync.tender import datasheet as sheets_mod
from buyersync.tender.clauses import split_clauses
from buyersync.tender.model import (
    SEVERITY_RANK,
    Clause,
    Flag,
    FlagKind,
    ProductMatch,
    Summary,
    TenderLetter,
    TenderReport,
)
from buyersync.tender.period import Period, bid_period
from buyersync.tender.readers import Document
from buyersync.tender.rules import Hit, clause_lang, laws, messages, redflags, scan

QUOTE = 80


def check(doc: Document, datasheets: list[Document] | None = None, lang: str | None = None,
          today: dt.date | None = None) -> TenderReport:
    text = "\n".join(b.text for b in doc.blocks)
    doc_lang = lang or _doc_lang(text)
    words = messages()["location"]
    clauses = split_clauses(doc.blocks, doc_lang, lambda k: words[k])
    if not clauses:
        from buyersync.tender.errors import TenderFileError

        raise TenderFileError("no_text", where=doc.name)
    jurisdiction = _jurisdiction(text, _doc_lang(text))
    hits = scan(clauses)
    sheets = [sheets_mod.load(d) for d in (datasheets or [])]
    products, author = sheets_mod.compare(clauses, sheets) if sheets else ([], None)
    flags = [_flag(h, doc_lang, jurisdiction) for h in hits]
    if author:
        flags = _author_flags(flags, clauses, sheets, author, doc_lang, jurisdiction)
    period = bid_period(clauses, jurisdiction, text)
    if period.short:
        flags.append(_period_flag(period, clauses, doc_lang, jurisdiction))
    order = {c.id: i for i, c in enumerate(clauses)}
    flags.sort(key=lambda f: (order.get(f.clause, 0), SEVERITY_RANK[f.severity]))
    summary = _summary(doc, clauses, flags, period, products, author, doc_lang, jurisdiction, text,
                       today or dt.date.today())
    return TenderReport(clauses=clauses, flags=flags, bid_period_days=period.days, summary=summary)


def _doc_lang(text: str) -> str:
    return clause_lang(text)


def _jurisdiction(text: str, lang: str) -> str:
    sample = text[:60_000].lower()
    if lang == "zh":
        gov = re.findall(r"政府采购|采购人|采购代理机构|财政|竞争性磋商|询价|中小企业声明函|采购需求", sample)
        return "cn_gov" if len(gov) >= 1 else "cn_bid"
    eu = re.findall(r"directive 2014/24|contracting authorit|member state|\bespd\b|official journal|\bted\b|€|\beur\b",
                    sample)
    return "eu" if eu else "us"


def _citation(kind: FlagKind, jurisdiction: str, lang: str) -> str:
    keys = redflags()["kinds"][kind.value]["cite"].get(jurisdiction, [])
    return str(messages()["location"]["law_sep"][lang]).join(laws()[k][lang] for k in keys)


def quote(text: str, n: int = QUOTE, around: str = "") -> str:
    """The clause shortened to n characters, keeping the part that matched in view."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= n:
        return text
    at = text.lower().find(around.split(": ")[-1][:20]) if around else -1
    if at < 0 or at + len(around) < n - 1:
        return text[: n - 1] + "…"
    start = max(0, min(at - n // 3, len(text) - n + 1))
    piece = text[start: start + n - 2]
    return ("…" if start else "") + piece + ("…" if start + len(piece) < len(text) else "")


def _question(kind: FlagKind, clause: Clause, lang: str, around: str = "", **extra: Any) -> str:
    template = redflags()["kinds"][kind.value]["question"][lang]
    return str(template).format(quote=quote(clause.text, around=around), where=clause_ref(clause, lang), **extra)


def clause_ref(clause: Clause, lang: str) -> str:
    """How a letter names a clause: "条款12（第3页 · 二、资格要求 · 2）" / "Clause 12 (p. 3 …)"."""
    words = messages()["location"]
    n = clause.id.lstrip("c")
    if clause.location in ("", "—"):
        return str(words["clause_only"][lang]).format(n=n)
    return str(words["clause_ref"][lang]).format(n=n, location=clause.location)


def _flag(h: Hit, lang: str, jurisdiction: str) -> Flag:
    kind = h.pattern.kind
    qlang = clause_lang(h.clause.text) if lang not in ("zh", "en") else lang
    return Flag(
        clause=h.clause.id, kind=kind, rule=h.pattern.id, severity=h.pattern.severity,  # type: ignore[arg-type]
        citation=_citation(kind, jurisdiction, lang),
        why=str(h.pattern.why[lang]).format(values=h.values),
        question=_question(kind, h.clause, qlang, around=h.match),
        rule_text=str(redflags()["kinds"][kind.value]["rule"][lang]), match=h.match)


def _author_flags(flags: list[Flag], clauses: list[Clause], sheets: list[sheets_mod.Sheet],
                  author: ProductMatch, lang: str, jurisdiction: str) -> list[Flag]:
    sheet = next(s for s in sheets if s.file == author.file and s.product == author.product)
    by_id = {c.id: c for c in clauses}
    why_t = messages()["datasheet_why"][lang]
    out = [f for f in flags if not (f.kind is FlagKind.single_product_spec and f.clause in sheet.hits)]
    for cid, values in sheet.hits.items():
        clause = by_id[cid]
        out.append(Flag(
            clause=cid, kind=FlagKind.single_product_spec, rule="datasheet-match", severity="high",
            citation=_citation(FlagKind.single_product_spec, jurisdiction, lang),
            why=why_t.format(product=author.product, values=", ".join(values[:4])),
            question=_question(FlagKind.single_product_spec, clause, lang),
            rule_text=str(redflags()["kinds"]["single_product_spec"]["rule"][lang]), match=values[0]))
    return out


def _period_flag(period: Period, clauses: list[Clause], lang: str, jurisdiction: str) -> Flag:
    cid = period.deadline_clause or clauses[0].id
    law = laws()[period.law][lang] if period.law else _citation(FlagKind.short_period, jurisdiction, lang)
    kind = redflags()["kinds"]["short_period"]
    why = messages()["period_why"][lang].format(
        days=period.days, minimum=period.minimum,
        issued=period.issued.isoformat() if period.issued else "?",
        deadline=period.deadline.isoformat() if period.deadline else "?")
    return Flag(clause=cid, kind=FlagKind.short_period, rule="bid-period",
                severity=period.severity, citation=law,  # type: ignore[arg-type]
                why=why, question=str(kind["question"][lang]).format(days=period.days, minimum=period.minimum),
                rule_text=str(kind["rule"][lang]), match=str(period.days))


def _summary(doc: Document, clauses: list[Clause], flags: list[Flag], period: Period,
             products: list[ProductMatch], author: ProductMatch | None, lang: str,
             jurisdiction: str, text: str, today: dt.date) -> Summary:
    msg = messages()
    by_kind = Counter(f.kind.value for f in flags)
    by_sev: Counter[str] = Counter(f.severity for f in flags)
    serious = [f for f in flags if f.severity in ("high", "medium")]
    restrictive = bool(serious) or author is not None
    if restrictive:
        names = msg["kind_names"]
        kinds = str(messages()["location"]["list_sep"][lang]).join(names[k][lang] for k, _ in by_kind.most_common())
        headline = msg["headline"]["restrictive"][lang].format(
            n=len({f.clause for f in flags}), high=by_sev["high"], medium=by_sev["medium"],
            low=by_sev["low"], kinds=kinds)
    else:
        headline = msg["headline"]["clean"][lang].format(clauses=len(clauses))
    if author:
        headline += " " + msg["headline"]["author"][lang].format(
            product=author.product, matched=author.matched, compared=author.compared)
    if period.days is not None:
        headline += " " + msg["headline"]["period"][lang].format(days=period.days)
    competitor_led: bool | None = True if restrictive else (False if not flags and len(clauses) >= 20 else None)
    stage = "measures" if re.search(
        r"需求公示|征求意见|需求论证|论证意见|意见征询|采购意向|request for information|\brfi\b|sources sought|"
        r"draft (specification|statement)|prior information notice", text[:5000].lower()) else "solution"
    summary = Summary(
        lang=lang, jurisdiction=jurisdiction, clauses=len(clauses), flagged_clauses=len({f.clause for f in flags}),
        by_kind=dict(by_kind), by_severity=dict(by_sev), restrictive=restrictive, competitor_led=competitor_led,
        stage=stage, likely_author=author, datasheets=products, headline=headline)
    summary.letters = letters(doc.name, clauses, flags, lang, today)
    return summary


def letters(name: str, clauses: list[Clause], flags: list[Flag], lang: str, today: dt.date) -> list[TenderLetter]:
    """The clarification request and the challenge letter (empty when nothing is flagged)."""
    if not flags:
        return []
    from buyersync.tender.rules import _read

    book = _read("letters.yaml")
    by_id = {c.id: c for c in clauses}
    tender = re.sub(r"\.(docx|pdf|txt|md|html?)$", "", name, flags=re.I)
    blanks = {k: v[lang] for k, v in book["blanks"].items()}
    common = {"tender": tender, "date": today.isoformat(), **blanks}
    questions = [book["clarification"]["item"][lang].format(n=i, question=f.question)
                 for i, f in enumerate(flags, start=1)]
    seen: set[tuple[str, str]] = set()
    items: list[str] = []
    for f in flags:
        if (f.clause, f.kind.value) in seen:
            continue
        seen.add((f.clause, f.kind.value))
        clause = by_id[f.clause]
        items.append(book["challenge"]["item"][lang].format(
            n=len(items) + 1, location=clause.location, quote=quote(clause.text, 160), why=f.why,
            citation=f.citation, rule=f.rule_text,
            remedy=redflags()["kinds"][f.kind.value]["remedy"][lang]))
    out = []
    for kind, listed in (("clarification", questions), ("challenge", items)):
        t = book[kind][lang]
        fill = {**common, "items": "\n\n".join(listed), "count": len(listed)}
        out.append(TenderLetter(kind=kind, subject=str(t["subject"]).format(**fill),  # type: ignore[arg-type]
                                body=str(t["body"]).format(**fill)))
    return out


def exchange_paragraph(flags: list[Flag], clauses: list[Clause], lang: str) -> str:
    """The paragraph the exchange-conditions letter gains: which clauses we want to discuss."""
    from buyersync.tender.rules import _read

    if not flags:
        return ""
    by_id = {c.id: c for c in clauses}
    serious = [f for f in flags if f.severity != "low"] or flags
    refs = str(_read("messages.yaml")["location"]["list_sep"][lang]).join(
        dict.fromkeys(by_id[f.clause].location for f in serious[:6]))
    return str(_read("letters.yaml")["exchange_paragraph"][lang]).format(
        count=len({f.clause for f in serious}), refs=refs)
