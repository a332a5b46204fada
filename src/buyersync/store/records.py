"""What the workspace keeps about a deal besides the Deal itself: located evidence, the
stage history, the latest analysis in brief. Plain pydantic models, no database types.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from buyersync.method.model import Deal, Signal
from buyersync.method.stages import Driver, Outcome, Stage, Strategy

Cause = Literal["evidence", "manual", "import", "refresh"]


@dataclass
class NewDeal:
    """A deal to create, with what an import knows beyond the deal file itself."""

    deal: Deal
    created_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    #: (when, stage) moves from a CRM's history, oldest first; replaces the replayed history
    stage_moves: Sequence[tuple[dt.datetime, Stage]] = field(default_factory=list)


def new_id(length: int = 12) -> str:
    """A short random id: 12 base-32 characters (60 bits) are easy to type, and the
    chance of two alike across ten million deals stays below one in ten thousand."""
    return base64.b32encode(os.urandom(20)).decode("ascii").lower()[:length]


class EvidenceFields(BaseModel):
    """An evidence item with where the locator puts it."""

    id: str
    position: int
    text: str
    date: dt.date | None = None
    source: str | None = None
    message_id: str | None = None
    stage: Stage | None = None
    confidence: float | None = None
    competitor_led: bool | None = None
    signals: list[Signal] = Field(default_factory=list)


class EvidenceRecord(EvidenceFields):
    """One evidence item as stored, with where the locator put it when it was added."""

    created_at: dt.datetime


class DriverChange(BaseModel):
    before: Driver | None
    after: Driver | None


class HistoryEntry(BaseModel):
    """A move of the customer's stage, or of who shaped the passed stages."""

    id: str
    at: dt.datetime
    from_stage: Stage | None
    to_stage: Stage
    drivers: dict[Stage, Driver] = Field(default_factory=dict)
    driver_changes: dict[Stage, DriverChange] = Field(default_factory=dict)
    strategy: Strategy | None = None
    cause: Cause
    evidence_id: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def direction(self) -> Literal["start", "forward", "back", "same"]:
        """`back` is a pull-back: the customer returned to an earlier decision point."""
        if self.from_stage is None:
            return "start"
        if self.to_stage.rank > self.from_stage.rank:
            return "forward"
        return "back" if self.to_stage.rank < self.from_stage.rank else "same"


class DealState(BaseModel):
    """The deal row's own columns: the latest analysis in brief and the timestamps."""

    stage: Stage
    stage_source: Literal["given", "evidence"]
    strategy: Strategy
    target_stage: Stage | None
    warnings: list[str] = Field(default_factory=list)
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None = None
    stage_since: dt.datetime


class StoredDeal(BaseModel):
    """A deal as the workspace holds it. `deal.evidence` and `evidence` list the same
    items; `deal.stage` is set only when the seller gave it."""

    deal: Deal
    state: DealState
    evidence: list[EvidenceRecord] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)


class DealSummary(BaseModel):
    """One line of `deals list`."""

    id: str
    name: str
    customer: str | None
    stage: Stage
    strategy: Strategy
    target_stage: Stage | None
    warnings: list[str]
    owner: str | None
    outcome: Outcome
    amount: float | None
    currency: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    stage_since: dt.datetime
    stalled: bool

    @property
    def days_in_stage(self) -> int:
        return max(0, (dt.datetime.now(dt.UTC) - self.stage_since).days)


class DealFilter(BaseModel):
    stage: Stage | None = None
    strategy: Strategy | None = None
    owner: str | None = None
    outcome: Outcome | None = None
    warning: str | None = None
    stalled: bool | None = None
    customer: str | None = None
    search: str | None = None
    #: only deals owned by one of these (a manager's team), and unowned ones if asked
    owners: list[str] | None = None
    include_unowned: bool = False
