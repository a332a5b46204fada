"""The bid period: days from the documents' issue to the bid deadline, and the legal minimum.

Order: (1) the deadline is the first date in a clause that names the deadline (投标截止,
响应文件提交截止, offers due, time limit for receipt …); (2) the issue date is the first date
in a clause that names publication or the start of document sale (发布时间, 获取招标文件时间,
issue date …); failing that, a date standing alone at the end of the notice (its signature);
(3) the minimum follows the procedure and jurisdiction (data/period.yaml); a period is short
when it is below that minimum.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from buyersync.tender.figures import normalise
from buyersync.tender.model import Clause

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATE = re.compile(
    r"(?P<y>20\d{2})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})(?!\d)"
    r"|(?P<mn>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>20\d{2})"
    r"|(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mn3>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(?P<y3>20\d{2})"
    r"|(?P<m4>\d{1,2})/(?P<d4>\d{1,2})/(?P<y4>20\d{2})")


@dataclass
class Period:
    days: int | None
    issued: dt.date | None
    deadline: dt.date | None
    minimum: int | None
    law: str | None
    severity: str
    issued_clause: str | None
    deadline_clause: str | None

    @property
    def short(self) -> bool:
        return self.days is not None and self.minimum is not None and 0 <= self.days < self.minimum


@cache
def _rules() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        resources.files("buyersync.tender").joinpath("data", "period.yaml").read_text("utf-8"))
    return data


def dates(text: str) -> list[dt.date]:
    out = []
    for m in _DATE.finditer(normalise(text)):
        try:
            if m.group("y"):
                out.append(dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d"))))
            elif m.group("mn"):
                out.append(dt.date(int(m.group("y2")), _MONTHS[m.group("mn")], int(m.group("d2"))))
            elif m.group("mn3"):
                out.append(dt.date(int(m.group("y3")), _MONTHS[m.group("mn3")], int(m.group("d3"))))
            else:
                out.append(dt.date(int(m.group("y4")), int(m.group("m4")), int(m.group("d4"))))
        except ValueError:
            continue
    return out


def _first(clauses: list[Clause], words: re.Pattern[str]) -> tuple[dt.date, str] | None:
    for c in clauses:
        norm = normalise(c.text)
        m = words.search(norm)
        if m:
            found = dates(norm[m.start():]) or dates(norm)
            if found:
                return found[0], c.id
    return None


def bid_period(clauses: list[Clause], jurisdiction: str, text: str) -> Period:
    rules = _rules()
    deadline = _first(clauses, re.compile(rules["deadline_words"]))
    issued = _first(clauses, re.compile(rules["issue_words"]))
    if issued is None:
        for c in reversed(clauses[-6:]):
            norm = normalise(c.text).strip()
            found = dates(norm)
            if found and len(norm) <= 24:
                issued = (found[0], c.id)
                break
    minimum, law, severity = _minimum(jurisdiction, normalise(text[:20_000]))
    days = (deadline[0] - issued[0]).days if deadline and issued else None
    if days is not None and days < 0:
        days = None
    return Period(days, issued[0] if issued else None, deadline[0] if deadline else None, minimum, law,
                  severity, issued[1] if issued else None, deadline[1] if deadline else None)


def _minimum(jurisdiction: str, text: str) -> tuple[int | None, str | None, str]:
    if re.search(_rules()["not_a_tender"], text[:3000]):
        return None, None, "high"
    for rule in _rules()["minimums"]:
        if rule["jurisdiction"] != jurisdiction:
            continue
        if re.search(rule.get("when", ""), text) and not (rule.get("unless") and re.search(rule["unless"], text)):
            return int(rule["days"]), str(rule["law"]), str(rule.get("severity", "high"))
    return None, None, "high"
