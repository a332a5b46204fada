"""Analyse a deal: locate the customer from evidence when the stage is not given, then plan.

`analyze(deal)` is the one-off call. `Analyser` is the same analysis with a workspace's
context at hand (its reference cases, a language for the output) and two cheaper entry
points that the deal service uses to replay a deal's history without locating any
evidence item twice: `locate(deal)` finds where each item puts the customer, and
`position(deal, locations)` says where those locations put the deal (stage and drivers)
and `strategy(deal, locations)` the strategy, without planning moves and letters.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from buyersync.errors import BadInput
from buyersync.locate.deal import current_stage, inferred_drivers
from buyersync.method import knowledge as kb
from buyersync.method.dates import chronological
from buyersync.method.model import Analysis, Deal, Location, ReferenceCase, Signature
from buyersync.method.planner import plan, strategy_of
from buyersync.method.stages import Driver, Lang, Stage, Strategy
from buyersync.method.textlang import detect

Locations = Sequence[Location | None]


def deal_lang(deal: Deal) -> Lang:
    if deal.lang is not None:
        return deal.lang
    texts = [deal.name, deal.customer or ""] + [e.text for e in deal.evidence]
    texts += [a.text for a in deal.planned_actions]
    return detect(texts)


class Locator(Protocol):
    """What the analysis needs of a locator (locate/locator.py `Locator`)."""

    def locate(self, text: str) -> Location: ...
    def locate_many(self, texts: list[str]) -> list[Location]: ...


def locate_evidence(deal: Deal, locator: Locator | None = None) -> list[Location | None]:
    """Where each evidence item puts the customer, in the deal's order (one model run).
    `locator`: the shipped one unless given."""
    if not deal.evidence:
        return []
    if locator is None:
        from buyersync.locate import default_locator

        locator = default_locator()
    return list(locator.locate_many([e.text for e in deal.evidence]))


def position(deal: Deal, locations: Locations) -> tuple[Stage, str, dict[Stage, Driver]]:
    """Where the deal stands given its evidence's locations: (stage, its source, drivers).
    A given stage holds; else the newest item decides most (dated items by date, undated
    ones where they were added)."""
    if deal.stage is not None:
        stage, source = deal.stage, "given"
    else:
        order = chronological([e.date for e in deal.evidence])
        dates = [deal.evidence[i].date for i in order]
        same_day = [k > 0 and d is not None and d == dates[k - 1] for k, d in enumerate(dates)]
        found = current_stage([locations[i] for i in order], same_day)
        stage, source = (found[0] if found else Stage.problem), "evidence"
    return stage, source, inferred_drivers(locations, stage, deal.drivers)


def load_priors(path: str | os.PathLike[str] | None) -> Mapping[str, Any]:
    """The trade-off priors: the shipped ones, with the file `Settings.priors` names
    (BUYERSYNC_PRIORS) laid over them; read again only when the file changes. A file that
    is missing, unreadable or not a mapping is a BadInput naming it."""
    if not path:
        return _priors(None, 0.0)
    import yaml

    try:
        return _priors(str(path), Path(path).stat().st_mtime)
    except FileNotFoundError:
        raise BadInput("not_found", where=f"BUYERSYNC_PRIORS ({path})") from None
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise BadInput("priors_file", where="BUYERSYNC_PRIORS", path=str(path),
                       detail=type(e).__name__) from None


def priors_stamp(path: str | os.PathLike[str] | None) -> str:
    """Which priors file an analysis was made with, and which version of it: part of a
    cached analysis's stamp, so that a changed BUYERSYNC_PRIORS is never served stale."""
    if not path:
        return ""
    try:
        return f"|{path}@{Path(path).stat().st_mtime_ns}"
    except OSError:
        return f"|{path}@-"


@lru_cache(maxsize=8)
def _priors(path: str | None, mtime: float) -> Mapping[str, Any]:
    return kb.priors(path)


def analyze(deal: Deal, *, lang: Lang | None = None,
            priors: Mapping[str, Any] | None = None,
            references: Sequence[ReferenceCase] = (),
            signature: Signature | None = None,
            locations: Locations | None = None,
            locator: Locator | None = None) -> Analysis:
    """The analysis of a deal. `lang` overrides the deal's language for the output;
    `priors` the trade-off priors (default: the shipped ones; entry points pass
    `load_priors(settings.priors)`); `references` are the team's reference cases the
    planner may quote; `signature` signs and dates its letters; `locations` (one per
    evidence item, as `locate_evidence` gives them) spares locating the evidence again;
    else `locator` (default: the shipped one) locates it."""
    if locations is None:
        locations = locate_evidence(deal, locator)
    assert len(locations) == len(deal.evidence), "one location per evidence item"
    stage, source, drivers = position(deal, locations)
    return plan(deal, stage=stage, stage_source=source, lang=lang or deal_lang(deal),
                drivers=drivers, locations=list(locations),
                priors=priors if priors is not None else load_priors(None), today=dt.date.today(),
                references=references, signature=signature)


def quick_analysis(text: str, *, name: str, shaped_by: Driver | None = None,
                   lang: Lang | None = None, priors: Mapping[str, Any] | None = None,
                   locator: Locator | None = None) -> tuple[Location, Analysis]:
    """A text analysed without a saved deal (the web's quick analysis): where it puts the
    customer, and the plan for a deal named `name` with that text as its one evidence
    item; `shaped_by` shaped the stages before the one the text shows. The text is
    located once, for the answer and the plan alike."""
    if locator is None:
        from buyersync.locate import default_locator

        locator = default_locator()
    found = locator.locate(text)
    deal = Deal.model_validate({
        "name": name, "evidence": [{"text": text}],
        "drivers": {s: shaped_by for s in found.stage.before()} if shaped_by else {}})
    return found, analyze(deal, lang=lang, priors=priors, locations=[found], locator=locator)


@runtime_checkable
class Positions(Protocol):
    """An analyser that can locate a deal's evidence once and reuse the locations."""

    def locate(self, deal: Deal) -> list[Location | None]: ...

    def position(self, deal: Deal, locations: Locations) -> tuple[Stage, str,
                                                                   dict[Stage, Driver]]: ...

    def strategy(self, deal: Deal, locations: Locations, stage: Stage,
                 drivers: Mapping[Stage, Driver]) -> Strategy: ...

    def __call__(self, deal: Deal, /, *, locations: Locations | None = None) -> Analysis: ...


class Analyser:
    """`analyze` with a workspace's context: `references()` gives the team's reference
    cases (asked once, until `forget_references`); `priors_file` the settings' priors
    file (None: the shipped priors)."""

    def __init__(self, references: Callable[[], Sequence[ReferenceCase]] | None = None,
                 priors_file: str | os.PathLike[str] | None = None) -> None:
        self._load = references
        self._cases: Sequence[ReferenceCase] | None = None
        self.priors_file = priors_file

    def forget_references(self) -> None:
        self._cases = None

    def _references(self) -> Sequence[ReferenceCase]:
        if self._load is None:
            return ()
        if self._cases is None:
            self._cases = self._load()
        return self._cases

    def locate(self, deal: Deal) -> list[Location | None]:
        return locate_evidence(deal)

    def position(self, deal: Deal, locations: Locations) -> tuple[Stage, str,
                                                                   dict[Stage, Driver]]:
        return position(deal, locations)

    def strategy(self, deal: Deal, locations: Locations, stage: Stage,
                 drivers: Mapping[Stage, Driver]) -> Strategy:
        """The strategy the analysis would choose at the `position` given, without
        planning moves and letters."""
        return strategy_of(deal, stage=stage, drivers=drivers, locations=locations)

    def __call__(self, deal: Deal, /, *, locations: Locations | None = None) -> Analysis:
        return analyze(deal, references=self._references(), locations=locations,
                       priors=load_priors(self.priors_file))
