"""Which product a tender was written around: its figures compared with product datasheets.

A datasheet is read like a tender (any supported format). Every figure with a unit in the
tender that is oddly exact (figures.is_odd), whether written as a value or as a bound
(a threshold copied from a datasheet is the usual trace), is looked for among the
datasheet's figures of the same dimension, equal within the datasheet's ± tolerance or
0.5 %. A datasheet is the likely author when it matches at least two such figures and
more than any other datasheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from buyersync.tender.figures import Figure, figures, is_odd, same
from buyersync.tender.model import Clause, ProductMatch
from buyersync.tender.readers import Document


@dataclass
class Sheet:
    product: str
    file: str
    figures: list[Figure]
    hits: dict[str, list[str]] = field(default_factory=dict)  # clause id -> matched figures


def load(doc: Document) -> Sheet:
    lines = [b.text.strip() for b in doc.blocks if b.text.strip()]
    product = next((ln for ln in lines if 2 <= len(ln) <= 80), Path(doc.name).stem)
    figs = [f for ln in lines for f in figures(ln)]
    return Sheet(product=product[:80], file=doc.name, figures=figs)


def compare(clauses: list[Clause], sheets: list[Sheet]) -> tuple[list[ProductMatch], ProductMatch | None]:
    tender = [(c.id, f) for c in clauses for f in figures(c.text) if is_odd(f)]
    results = []
    for sheet in sheets:
        values: list[str] = []
        for cid, f in tender:
            if any(same(f, g) for g in sheet.figures):
                sheet.hits.setdefault(cid, []).append(f.text)
                values.append(f.text)
        results.append(ProductMatch(product=sheet.product, file=sheet.file, matched=len(values),
                                    compared=len(tender), values=values[:20]))
    ranked = sorted(results, key=lambda r: -r.matched)
    author = None
    if ranked and ranked[0].matched >= 2 and (len(ranked) == 1 or ranked[0].matched > ranked[1].matched):
        author = ranked[0]
    return results, author
