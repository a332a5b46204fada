"""Integration helpers: a workspace on each database, a clock the test moves, and an
analyzer that reads the stage from a tag in the text, so that history tests do not hang
on how the locator reads a sentence (the real analyzer is used where it is the point)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from buyersync.config import Settings
from buyersync.method.model import Analysis, Deal, Location
from buyersync.method.planner import plan
from buyersync.method.stages import STAGES, Lang, Stage
from buyersync.services.deals import DealService

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
_TAG = re.compile(r"\[(\w+)\]")


class Clock:
    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now += dt.timedelta(days=days)


def tagged_location(text: str) -> Location | None:
    """`[solution] …` puts the customer at solution; text without a tag says nothing."""
    found = _TAG.search(text)
    if not found or found.group(1) not in Stage.__members__:
        return None
    stage = Stage(found.group(1))
    scores = {s: (0.92 if s is stage else 0.01) for s in STAGES}
    return Location(stage=stage, confidence=0.92, scores=scores,
                    competitor_led="competitor" in text or None)


def tagged_analyzer(deal: Deal) -> Analysis:
    locations = [tagged_location(e.text) for e in deal.evidence]
    located = [loc.stage for loc in locations if loc is not None]
    if deal.stage is not None:
        stage, source = deal.stage, "given"
    else:
        stage, source = (located[-1] if located else Stage.problem), "evidence"
    return plan(deal, stage=stage, stage_source=source, lang=deal.lang or Lang.en,
                drivers=deal.drivers, locations=locations)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(db_url: str, clock: Clock) -> Iterator[DealService]:
    """A workspace on each database, with the tagged analyzer and the test's clock."""
    with DealService(db_url, settings=Settings(stalled_days=21), analyzer=tagged_analyzer,
                     clock=clock) as svc:
        yield svc


@pytest.fixture
def real_service(db_url: str) -> Iterator[DealService]:
    """A workspace on each database with the real locator and planner."""
    with DealService(db_url) as svc:
        yield svc


def deal(**fields: Any) -> Deal:
    data: dict[str, Any] = {"name": "Test deal", "lang": "en"}
    data.update(fields)
    return Deal.model_validate(data)
