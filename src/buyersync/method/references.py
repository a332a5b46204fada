"""Frames of reference (参照系): the team's own reference cases, matched to a deal.

A case names a customer, its industry and size, the problem it had, the result with its
figures, and who can vouch for it. The best match is the case that shares most words with
the deal (its name, customer and evidence): Chinese by character pairs, other text by words.
A match must share at least `MIN_SHARED` of them; the industry counts double.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from buyersync.method.model import Deal, ReferenceCase

MIN_SHARED = 3
_WORD = re.compile(r"[a-z0-9]{3,}")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_STOP = {"the", "and", "for", "with", "our", "their", "they", "this", "that", "from", "was",
         "are", "has", "have", "about", "into", "over", "per", "all", "not", "but"}


def terms(text: str) -> set[str]:
    low = text.lower()
    words = {w for w in _WORD.findall(low) if w not in _STOP}
    for run in _HAN.findall(text):
        words.update(run[i:i + 2] for i in range(len(run) - 1))
    return words


def _deal_terms(deal: Deal) -> set[str]:
    parts: Iterable[str] = [deal.name, deal.customer or ""] + [e.text for e in deal.evidence]
    return terms(" ".join(parts))


def score(case: ReferenceCase, deal_terms: set[str]) -> int:
    industry = terms(case.industry or "") & deal_terms
    rest = terms(" ".join([case.problem, case.result, case.customer])) & deal_terms
    return 2 * len(industry) + len(rest - industry)


def best_match(deal: Deal, cases: Sequence[ReferenceCase]) -> ReferenceCase | None:
    """The case that fits the deal best, or None when none shares enough with it."""
    if not cases:
        return None
    mine = _deal_terms(deal)
    ranked = sorted(cases, key=lambda c: score(c, mine), reverse=True)
    top = ranked[0]
    return top if score(top, mine) >= MIN_SHARED else None
