"""Red-flag rules: the patterns of data/redflags.yaml applied to each clause.

Order: for each clause, (1) skip headings and empty rows; (2) each pattern of the clause's
language matches, unless a look-alike of the pattern or of its kind is in the same clause;
(3) oddly exact figures ("23.7 kg" with no range) make a single-product flag when two or more
sit in one clause, or one is written as "须为/must be"; (4) one flag per clause and kind,
the most severe pattern winning. Datasheet matches (datasheet.py) and the bid period
(period.py) add their own flags afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from buyersync.tender.figures import figures, is_odd, normalise, units_data
from buyersync.tender.model import SEVERITY_RANK, Clause, FlagKind


@dataclass(frozen=True)
class Pattern:
    id: str
    kind: FlagKind
    severity: str
    zh: tuple[re.Pattern[str], ...]
    en: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    why: dict[str, str]
    needs: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Hit:
    clause: Clause
    pattern: Pattern
    match: str
    values: str = ""


def _read(name: str) -> Any:
    return yaml.safe_load(resources.files("buyersync.tender").joinpath("data", name).read_text("utf-8"))


@cache
def redflags() -> dict[str, Any]:
    data: dict[str, Any] = _read("redflags.yaml")
    return data


@cache
def laws() -> dict[str, Any]:
    data: dict[str, Any] = _read("laws.yaml")
    return data


@cache
def messages() -> dict[str, Any]:
    data: dict[str, Any] = _read("messages.yaml")
    return data


@cache
def patterns() -> tuple[Pattern, ...]:
    data = redflags()
    brands = "|".join(re.escape(b.lower()) for b in sorted(_read("brands.yaml")["brands"], key=len, reverse=True))
    kind_unless = data.get("kind_unless", {})

    def compile_all(items: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p.replace("@brand", brands)) for p in items)

    out = []
    for p in data["patterns"]:
        kind = FlagKind(p["kind"])
        out.append(Pattern(
            id=p["id"], kind=kind, severity=p["severity"],
            zh=compile_all(p.get("zh", [])), en=compile_all(p.get("en", [])),
            unless=compile_all(p.get("unless", []) + kind_unless.get(kind.value, []) + data.get("global_unless", [])),
            why=p["why"], needs=compile_all(data[p["needs"]]) if p.get("needs") else ()))
    return tuple(out)


def pattern(pid: str) -> Pattern:
    return next(p for p in patterns() if p.id == pid)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def clause_lang(text: str) -> str:
    text = text[:5_000]
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk and cjk * 5 >= latin else "en"


def scan(clauses: list[Clause]) -> list[Hit]:
    """The strongest hit per clause and kind (rules 1–4 of the module docstring)."""
    best: dict[tuple[str, FlagKind], Hit] = {}
    for clause in clauses:
        if clause.labelled == "":  # a table's heading row
            continue
        # a table row reads "label | value": match it as "label: value", and also with its
        # column headings ("品牌: 飞利浦") when the table has a heading row
        plain = normalise(clause.text).replace(" | ", ": ")
        forms = [normalise(clause.labelled), plain] if clause.labelled else [plain]
        if len(plain) < 4:
            continue
        lang = clause_lang(clause.text)
        for p in patterns():
            regexes = p.zh if lang == "zh" else p.en
            hit = None
            for norm in forms:
                for rx in regexes:
                    m = rx.search(norm)
                    if m:
                        hit = (norm, m)
                        break
                if hit:
                    break
            if hit is None:
                continue
            norm, m = hit
            if any(u.search(norm) for u in p.unless) or (p.needs and not any(n.search(norm) for n in p.needs)):
                continue
            _keep(best, Hit(clause, p, _around(norm, m.start(), m.end())))
        exact = exact_values(clause.text)
        if exact:
            _keep(best, Hit(clause, pattern("exact-values"), exact[0], values=exact[1]))
    return sorted(best.values(), key=lambda h: int(h.clause.id[1:]))


def exact_values(text: str) -> tuple[str, str] | None:
    """(matched text, the odd values) when the clause pins parameters to odd exact values."""
    norm = normalise(text)
    site = set(units_data()["site_units"])
    odd = [f for f in figures(text) if not f.bound and is_odd(f) and f.unit not in site
           and f.dimension not in ("area", "volume")]
    if not odd:
        return None
    insisted = any(re.search(r"(须为|必须为|应为|must be|shall be|exactly)\s*$", norm[max(0, f.start - 10):f.start])
                   for f in odd)
    if len(odd) >= 2 or insisted:
        values = ", ".join(f.text for f in odd[:4])
        return values, values
    return None


def _keep(best: dict[tuple[str, FlagKind], Hit], hit: Hit) -> None:
    key = (hit.clause.id, hit.pattern.kind)
    old = best.get(key)
    if old is None or SEVERITY_RANK[hit.pattern.severity] < SEVERITY_RANK[old.pattern.severity]:
        best[key] = hit


def _around(text: str, start: int, end: int) -> str:
    """The match, carried on to the end of its phrase (so "品牌:飞" shows as "品牌:飞利浦")."""
    stop = re.search(r"[,;。，；|、()]", text[end:end + 40])
    end = end + (stop.start() if stop else min(40, len(text) - end))
    return text[start:end].strip()
