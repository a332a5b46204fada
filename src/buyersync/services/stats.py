"""Workspace figures for managers: where the deals stand, and what entering early or late
costs — win rate and days from first evidence to outcome, grouped by the stage at which
we entered (the first row of each deal's stage history) and the strategy chosen then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine

from buyersync.method.stages import STAGES
from buyersync.store import analytics, db


class GroupRate(BaseModel):
    """Outcomes of the deals that share a key (an entry stage, a strategy or both)."""

    key: str
    deals: int
    open: int
    won: int
    lost: int
    win_rate: float | None = Field(description="won / (won + lost); null with no closed deal")
    mean_days_to_outcome: float | None = Field(
        description="closed deals: mean days from the first evidence (else from entering) "
                    "to the outcome")


class WorkspaceStats(BaseModel):
    total: int
    stalled: int
    by_stage: dict[str, int] = Field(description="open deals by the customer's current stage")
    by_strategy: dict[str, int] = Field(description="open deals by the current strategy")
    by_outcome: dict[str, int]
    by_entry_stage: list[GroupRate]
    by_entry_strategy: list[GroupRate]
    by_entry: list[GroupRate] = Field(description="entry stage × strategy, key 'stage/strategy'")


def _start(row: dict[str, Any]) -> dt.datetime:
    day = row["first_evidence"]
    candidates: list[dt.datetime] = [row["created_at"]]
    if row["entered_at"] is not None:
        candidates.append(row["entered_at"])
    if day is not None:
        candidates.append(dt.datetime.combine(day, dt.time(), dt.UTC))
    return min(candidates)


def _rates(rows: Iterable[dict[str, Any]], key: str, order: list[str]) -> list[GroupRate]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key] or "unknown"].append(row)
    out = []
    rank = {k: i for i, k in enumerate(order)}
    for name in sorted(groups, key=lambda k: (rank.get(k.split("/")[0], len(rank)), k)):
        members = groups[name]
        won = sum(r["outcome"] == "won" for r in members)
        lost = sum(r["outcome"] == "lost" for r in members)
        days = [(r["closed_at"] - _start(r)).total_seconds() / 86400 for r in members
                if r["outcome"] != "open" and r["closed_at"] is not None]
        out.append(GroupRate(
            key=name, deals=len(members), open=len(members) - won - lost, won=won, lost=lost,
            win_rate=round(won / (won + lost), 4) if won + lost else None,
            mean_days_to_outcome=round(sum(days) / len(days), 1) if days else None))
    return out


def workspace_stats(engine: Engine, *, now: dt.datetime, stalled_days: int) -> WorkspaceStats:
    def work(conn: Any) -> WorkspaceStats:
        by_stage = analytics.counts(conn, "stage", open_only=True)
        rows = analytics.entry_rows(conn)
        stalled = analytics.stalled_count(conn, now - dt.timedelta(days=stalled_days))
        for row in rows:
            row["entry"] = f"{row['entry_stage'] or 'unknown'}/{row['entry_strategy'] or 'unknown'}"
        order = [s.value for s in STAGES]
        return WorkspaceStats(
            total=len(rows), stalled=stalled,
            by_stage={s: by_stage[s] for s in order if s in by_stage},
            by_strategy=analytics.counts(conn, "strategy", open_only=True),
            by_outcome=analytics.counts(conn, "outcome", open_only=False),
            by_entry_stage=_rates(rows, "entry_stage", order),
            by_entry_strategy=_rates(rows, "entry_strategy", ["in_step", "pull_back", "walk_away"]),
            by_entry=_rates(rows, "entry", order))

    return db.in_transaction(engine, work, write=False)
