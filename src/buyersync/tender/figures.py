"""Figures with units in tender clauses and datasheets: "重量 23.7 kg", "≥ 1,235 lm",
"3.5 ± 0.1 mm"; whether a figure is a bound or an oddly exact value; equality within
tolerance after converting units (data/units.yaml)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Figure:
    text: str          # as written, e.g. "23.7 kg"
    value: float       # in the dimension's base unit
    dimension: str
    tolerance: float   # absolute, in the base unit (0 when none is written)
    bound: bool        # written as a bound or range (≥, 不低于, or more …)
    digits: str        # the number's significant digits, to judge oddness
    label: str         # the words just before the figure (its parameter name)
    start: int
    unit: str = ""


def units_data() -> dict[str, Any]:
    return _data()


@cache
def _data() -> dict[str, Any]:
    text = resources.files("buyersync.tender").joinpath("data", "units.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def _pattern() -> re.Pattern[str]:
    units = sorted(_data()["units"], key=len, reverse=True)
    alt = "|".join(re.escape(u) for u in units)
    # a number, an optional ± tolerance, then a unit not followed by more letters
    return re.compile(
        r"(?<![\d.a-z_])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
        r"(?:\s*(?:±|\+/-)\s*(?P<tol>\d+(?:\.\d+)?)\s*(?P<tolpct>%)?)?"
        rf"\s*(?P<unit>{alt})(?![a-z\u00b5])", re.I)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@cache
def _range_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = _data()
    return (tuple(sorted(data["range_before"], key=len, reverse=True)),
            tuple(sorted(data["range_after"], key=len, reverse=True)))


_DIGIT = re.compile(r"\d")


def figures(text: str) -> list[Figure]:
    if not _DIGIT.search(text):
        return []
    norm = normalise(text)
    units = _data()["units"]
    before, after = _range_words()
    out: list[Figure] = []
    for m in _pattern().finditer(norm):
        unit = m.group("unit").lower()
        if unit not in units:
            continue
        # a model number ("S7-1500") or a standard ("GB/T 2423") is not a figure
        head = norm[max(0, m.start() - 6): m.start()]
        if re.search(r"[a-z]{1,6}[-/ ]?$", head) and not re.search(r"(:|：|为|≥|≤|>|<|\s)$", head):
            continue
        dim, factor = units[unit]
        raw = m.group("num").replace(",", "")
        value = float(raw) * float(factor)
        tol = 0.0
        if m.group("tol"):
            tol = float(m.group("tol")) * (abs(value) / 100 if m.group("tolpct") else float(factor))
        pre = norm[max(0, m.start() - 8): m.start()].rstrip(" :")
        post = norm[m.end(): m.end() + 8].lstrip()
        bound = pre.endswith(before) or post.startswith(after) \
            or bool(re.match(r"\s*(?:-|~|～|至|到)\s*\d", norm[m.end():m.end() + 6])) \
            or bool(re.search(r"\d\s*(?:-|~|～|至|到)\s*$", norm[max(0, m.start() - 12):m.start()]))
        label = re.split(r"[,;。，；|\n]", norm[max(0, m.start() - 24): m.start()])[-1]
        label = re.sub(r"[\d.:：≥≤<>=\s±~～-]+$", "", label).strip()
        digits = raw.replace(".", "").lstrip("0").rstrip("0")
        out.append(Figure(m.group(0).strip(), value, dim, tol, bound, digits, label, m.start(), unit))
    return out


def is_odd(f: Figure) -> bool:
    """An oddly exact figure: three or more significant digits, not a round or standard value."""
    standard = {float(v) for v in _data()["standard_values"]}
    raw = re.sub(r"[^\d.]", "", f.text.split("±")[0].replace(",", ""))
    try:
        as_written = float(raw)
    except ValueError:
        return False
    if as_written in standard or (as_written.is_integer() and as_written > 0 and
                                  int(as_written) & (int(as_written) - 1) == 0):
        return False
    if 1900 <= as_written <= 2100 and as_written.is_integer():
        return False  # a year
    return len(f.digits) >= 3


def same(a: Figure, b: Figure) -> bool:
    """Equal within the written tolerance, or within 0.5 % when neither gives one."""
    if a.dimension != b.dimension:
        return False
    tol = max(a.tolerance, b.tolerance, 0.005 * max(abs(a.value), abs(b.value)))
    return abs(a.value - b.value) <= tol + 1e-12
