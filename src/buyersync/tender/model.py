"""The tender check's plain results: clauses with their location, red flags, the summary.

These are the `buyersync tender --format json` object (CONTRACT.md, Additions) plus a few
additive fields (`where`, `match`, `rule_text`) that the deal room uses for highlighting.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class FlagKind(StrEnum):
    brand_named = "brand_named"
    single_product_spec = "single_product_spec"
    unrelated_qualification = "unrelated_qualification"
    regional_or_industry_record = "regional_or_industry_record"
    size_threshold = "size_threshold"
    specific_certificate_or_report = "specific_certificate_or_report"
    short_period = "short_period"
    discriminatory_treatment = "discriminatory_treatment"
    other = "other"


Severity = Literal["high", "medium", "low"]
SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


class Where(BaseModel):
    """Where a clause sits: any of page, section heading, clause number, table and row."""

    part: Literal["body", "header", "footer"] = "body"
    page: int | None = None
    section: str | None = None
    number: str | None = None
    table: int | None = None
    row: int | None = None


class Clause(BaseModel):
    id: str
    location: str
    text: str
    where: Where = Field(default_factory=Where)
    # a table row read with its column headings ("品牌: 飞利浦 | 型号: MX450"), for matching only
    labelled: str | None = Field(default=None, exclude=True)


class Flag(BaseModel):
    clause: str
    kind: FlagKind
    rule: str
    citation: str
    why: str
    question: str
    severity: Severity
    rule_text: str = ""
    match: str = ""


class ProductMatch(BaseModel):
    """A datasheet whose figures the tender's exact values fit."""

    product: str
    file: str
    matched: int
    compared: int
    values: list[str] = Field(default_factory=list)


class TenderLetter(BaseModel):
    kind: Literal["clarification", "challenge", "exchange_conditions"]
    subject: str
    body: str


class Summary(BaseModel):
    lang: str  # zh | en
    jurisdiction: str
    clauses: int
    flagged_clauses: int
    by_kind: dict[str, int]
    by_severity: dict[str, int]
    restrictive: bool
    competitor_led: bool | None
    stage: str  # measures | solution
    likely_author: ProductMatch | None = None
    datasheets: list[ProductMatch] = Field(default_factory=list)
    headline: str
    letters: list[TenderLetter] = Field(default_factory=list)


class TenderReport(BaseModel):
    clauses: list[Clause]
    flags: list[Flag]
    bid_period_days: int | None
    summary: Summary
