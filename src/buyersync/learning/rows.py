"""Workspace rows → DealHistory, with the deal file's defaults for missing history fields.

Defaults, in order: `opened` is the given date, else the first evidence date, else when the
deal was saved; `closed` is the given date, else when the outcome was recorded;
`entry_stage` is the given stage, else where the latest evidence dated on or before
`opened` put the customer, else the first located evidence, else the first stage on
record; `played` is the given play, else the strategy recommended when the deal was first
saved (`follow` is never recommended, so it comes only from the file).
Time at each stage comes from dated evidence when a deal has two or more located dated
items (it then reflects the customer's real pace), else from the stage history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from buyersync.learning.history import DealHistory, Spell
from buyersync.method.stages import Outcome, Play, Stage


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def spells(timeline: list[tuple[dt.date, Stage]], *, end: dt.date) -> list[Spell]:
    """Runs of one stage in a dated timeline; the last run is still going (censored)."""
    runs: list[tuple[dt.date, Stage]] = []
    for day, stage in sorted(timeline, key=lambda t: t[0]):
        if not runs or runs[-1][1] is not stage:
            runs.append((day, stage))
    out = []
    for i, (start, stage) in enumerate(runs):
        if i + 1 < len(runs):
            out.append(Spell(stage=stage, days=float((runs[i + 1][0] - start).days), ended=True))
        else:
            # a deal that closed at this stage left it by closing, not by moving on
            out.append(Spell(stage=stage, days=float(max(0, (end - start).days)), ended=False))
    return out


def histories(deal_rows: Iterable[Mapping[str, Any]], evidence_rows: Iterable[Mapping[str, Any]],
              history_rows: Iterable[Mapping[str, Any]], *, today: dt.date) -> list[DealHistory]:
    ev: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in evidence_rows:
        ev[row["deal_id"]].append(row)
    hi: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in history_rows:
        hi[row["deal_id"]].append(row)
    out = []
    for d in deal_rows:
        items, moves = ev.get(d["id"], []), hi.get(d["id"], [])
        dated = [(_day(r["date"]), Stage(r["stage"])) for r in items
                 if r["date"] is not None and r["stage"]]
        outcome = Outcome(d["outcome"])
        opened = _day(d["opened"]) or (min(day for day, _ in dated if day) if dated else None) \
            or _day(d["created_at"])
        closed = _day(d["closed"]) or (_day(d["closed_at"]) if outcome is not Outcome.open
                                       else None)
        entry = Stage(d["entry_stage"]) if d["entry_stage"] else None
        if entry is None and dated and opened is not None:
            before = [s for day, s in dated if day is not None and day <= opened]
            entry = before[-1] if before else None
        if entry is None:
            located = [Stage(r["stage"]) for r in items if r["stage"]]
            entry = located[0] if located else (
                Stage(moves[0]["to_stage"]) if moves else Stage(d["stage"]))
        played = Play(d["played"]) if d["played"] else Play(
            moves[0]["strategy"] if moves and moves[0]["strategy"] else d["strategy"])
        end = closed if outcome is not Outcome.open and closed else today
        timeline: list[tuple[dt.date, Stage]] = [(day, s) for day, s in dated if day]
        if len(timeline) < 2:
            timeline = [(_day(m["at"]) or today, Stage(m["to_stage"])) for m in moves]
        out.append(DealHistory(
            id=d["id"], entry_stage=entry, played=played, outcome=outcome, opened=opened,
            closed=closed, amount=d["amount"], currency=d["currency"],
            spells=tuple(spells(timeline, end=end))))
    return out
