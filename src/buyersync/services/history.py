"""A deal's stage history, rebuilt and extended: pure functions on records (no database,
no clock, no locator: the caller passes `now` and how to analyse a prefix of the deal).

A history row is written when the customer's stage or the drivers of the passed stages
move: on creation (for a deal located from several pieces of evidence the history is
replayed item by item, so the first row is the stage at which we entered), when evidence
is added (cause `evidence`), on an edit (cause `manual`), from a CRM's stage history
(cause `import`). A row whose stage is earlier than the one before is a pull-back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

from buyersync.method.model import Analysis, Deal, Location
from buyersync.method.stages import Driver, Stage, Strategy
from buyersync.store.records import (
    Cause,
    DealState,
    DriverChange,
    EvidenceRecord,
    HistoryEntry,
    new_id,
)

#: replay the history of a new deal item by item up to this many evidence items
REPLAY_MAX = 30


def locations_of(analysis: Analysis, deal: Deal) -> list[Location | None]:
    """One location per evidence item (None where the analyzer gave none)."""
    found = list(analysis.evidence)
    return (found + [None] * len(deal.evidence))[: len(deal.evidence)]


def drivers_of(analysis: Analysis) -> dict[Stage, Driver]:
    """Who shaped each stage, as the analysis has it (given or inferred from evidence)."""
    return {t.stage: t.driver for t in analysis.track if t.driver is not None}


class Step(NamedTuple):
    """What a history row keeps of an analysis: where the deal stands and the strategy."""

    stage: Stage
    drivers: dict[Stage, Driver]
    strategy: Strategy | None


def step_of(analysis: Analysis) -> Step:
    return Step(analysis.stage, drivers_of(analysis), analysis.strategy)


def aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def moment(day: dt.date | None, now: dt.datetime, floor: dt.datetime | None) -> dt.datetime:
    """When a move happened: the evidence's date (at midnight UTC) if it has one, never in
    the future and never before the previous move."""
    at = dt.datetime.combine(day, dt.time(), dt.UTC) if day else now
    at = min(at, now)
    return max(at, floor) if floor else at


def entry(previous: HistoryEntry | None, drivers_before: dict[Stage, Driver],
          step: Step, *, at: dt.datetime, cause: Cause,
          evidence_id: str | None) -> HistoryEntry:
    """The row that moves the deal from `previous` to where `step` puts it."""
    drivers = step.drivers
    changes = {s: DriverChange(before=drivers_before.get(s), after=drivers.get(s))
               for s in sorted({*drivers_before, *drivers}, key=lambda s: s.rank)
               if drivers_before.get(s) != drivers.get(s)}
    return HistoryEntry(id=new_id(16), at=at, from_stage=previous.to_stage if previous else None,
                        to_stage=step.stage, drivers=drivers,
                        driver_changes=changes if previous else {}, strategy=step.strategy,
                        cause=cause, evidence_id=evidence_id)


def next_entry(history: Sequence[HistoryEntry], step: Step | Analysis, *, cause: Cause,
               now: dt.datetime, day: dt.date | None = None,
               evidence_id: str | None = None) -> HistoryEntry | None:
    """The row a change adds to `history`, or None when the stage and drivers stayed."""
    if isinstance(step, Analysis):
        step = step_of(step)
    last = history[-1] if history else None
    if last is not None and last.to_stage == step.stage and last.drivers == step.drivers:
        return None
    return entry(last, last.drivers if last else {}, step,
                 at=moment(day, now, floor=last.at if last else None), cause=cause,
                 evidence_id=evidence_id)


def state_of(analysis: Analysis, *, created_at: dt.datetime, updated_at: dt.datetime,
             closed_at: dt.datetime | None, stage_since: dt.datetime) -> DealState:
    return DealState(stage=analysis.stage, stage_source=analysis.stage_source,
                     strategy=analysis.strategy, target_stage=analysis.target_stage,
                     warnings=[w.code.value for w in analysis.warnings],
                     created_at=created_at, updated_at=updated_at, closed_at=closed_at,
                     stage_since=stage_since)


def replay(deal: Deal, analysis: Analysis, records: Sequence[EvidenceRecord], *,
           cause: Cause, now: dt.datetime, analyse_prefix: Callable[[int], Step],
           brief: Callable[[int], Hashable] | None = None) -> list[HistoryEntry]:
    """The history of a new deal: item by item when its stage comes from several pieces
    of evidence, else one row.

    `analyse_prefix(k)` is where the deal's first k items put it (stage, drivers and
    strategy); `brief(k)`, when given, is a cheaper summary of it (stage and drivers):
    the strategy is then found only where the brief moves. Without it every prefix is
    analysed."""
    if deal.stage is not None or len(records) < 2 or len(records) > REPLAY_MAX:
        last = records[-1] if records else None
        at = moment(last.date if last else None, now, floor=None)
        return [entry(None, {}, step_of(analysis), at=at, cause=cause,
                      evidence_id=last.id if last else None)]
    history: list[HistoryEntry] = []
    seen: Hashable = None
    for k, record in enumerate(records, 1):
        if brief is not None:
            found = brief(k)
            if found == seen and k < len(records):
                continue
            seen = found
        step = step_of(analysis) if k == len(records) else analyse_prefix(k)
        row = next_entry(history, step, cause=cause, now=now, day=record.date,
                         evidence_id=record.id)
        if row is not None:
            history.append(row)
    return history


def crm_history(moves: Sequence[tuple[dt.datetime, Stage]], analysis: Analysis, *,
                cause: Cause, now: dt.datetime) -> list[HistoryEntry]:
    """The history a CRM recorded (its stage moves, oldest first), then where the analysis
    puts the deal now if that differs."""
    history: list[HistoryEntry] = []
    drivers = drivers_of(analysis)
    for at, stage in sorted(moves, key=lambda m: m[0]):
        previous = history[-1] if history else None
        if previous and previous.to_stage == stage:
            continue
        history.append(HistoryEntry(
            id=new_id(16), at=aware(at), from_stage=previous.to_stage if previous else None,
            to_stage=stage, drivers=drivers, driver_changes={}, strategy=None, cause=cause))
    if history and history[-1].to_stage != analysis.stage:
        last = history[-1]
        history.append(entry(last, last.drivers, step_of(analysis), at=max(last.at, now),
                             cause=cause, evidence_id=None))
    elif history:
        history[-1].strategy = analysis.strategy
    return history
