"""Analyse a deal: locate the customer from evidence when the stage is not given, then plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from buyersync.locate.deal import current_stage, inferred_drivers
from buyersync.method import knowledge as kb
from buyersync.method.dates import chronological
from buyersync.method.model import Analysis, Deal, Location, ReferenceCase, Signature
from buyersync.method.planner import plan
from buyersync.method.stages import Lang, Stage
from buyersync.method.textlang import detect


def deal_lang(deal: Deal) -> Lang:
    if deal.lang is not None:
        return deal.lang
    texts = [deal.name, deal.customer or ""] + [e.text for e in deal.evidence]
    texts += [a.text for a in deal.planned_actions]
    return detect(texts)


def analyze(deal: Deal, *, lang: Lang | None = None,
            priors: Mapping[str, Any] | None = None,
            references: Sequence[ReferenceCase] = (),
            signature: Signature | None = None) -> Analysis:
    """The analysis of a deal. `lang` overrides the deal's language for the output;
    `references` are the team's reference cases the planner may quote; `signature` signs
    and dates its letters."""
    from buyersync.locate import default_locator

    locator = default_locator()
    locations: list[Location | None] = [locator.locate(e.text) for e in deal.evidence]
    if deal.stage is not None:
        stage, source = deal.stage, "given"
    else:
        # the newest item decides most: dated items by date, undated ones where they were added
        order = chronological([e.date for e in deal.evidence])
        found = current_stage([locations[i] for i in order])
        stage, source = (found[0] if found else Stage.problem), "evidence"
    drivers = inferred_drivers(locations, stage, deal.drivers)
    return plan(deal, stage=stage, stage_source=source, lang=lang or deal_lang(deal),
                drivers=drivers, locations=locations,
                priors=priors if priors is not None else kb.priors(), today=dt.date.today(),
                references=references, signature=signature)
