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


def _rates(rows: Iterable[dict[str, Any]], key: str, order: list[str]) -> list[GroupRate]:
    """Sum the database's (entry stage, strategy, outcome) groups up by one key."""
    groups: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        g = groups[row[key] or "unknown"]
        g[row["outcome"]] += row["deals"]
        g["days_sum"] += float(row["days_sum"] or 0.0)
        g["days_n"] += row["days_n"] or 0
    rank = {k: i for i, k in enumerate(order)}
    out = []
    for name in sorted(groups, key=lambda k: (rank.get(k.split("/")[0], len(rank)), k)):
        g = groups[name]
        won, lost, still = int(g["won"]), int(g["lost"]), int(g["open"])
        out.append(GroupRate(
            key=name, deals=won + lost + still, open=still, won=won, lost=lost,
            win_rate=round(won / (won + lost), 4) if won + lost else None,
            mean_days_to_outcome=round(g["days_sum"] / g["days_n"], 1) if g["days_n"] else None))
    return out


def workspace_stats(engine: Engine, *, now: dt.datetime, stalled_days: int) -> WorkspaceStats:
    def work(conn: Any) -> WorkspaceStats:
        by_stage = analytics.counts(conn, "stage", open_only=True)
        rows = analytics.entry_outcomes(conn)
        stalled = analytics.stalled_count(conn, now - dt.timedelta(days=stalled_days))
        for row in rows:
            row["entry"] = f"{row['entry_stage'] or 'unknown'}/{row['entry_strategy'] or 'unknown'}"
        order = [s.value for s in STAGES]
        return WorkspaceStats(
            total=sum(row["deals"] for row in rows), stalled=stalled,
            by_stage={s: by_stage[s] for s in order if s in by_stage},
            by_strategy=analytics.counts(conn, "strategy", open_only=True),
            by_outcome=analytics.counts(conn, "outcome", open_only=False),
            by_entry_stage=_rates(rows, "entry_stage", order),
            by_entry_strategy=_rates(rows, "entry_strategy", ["in_step", "pull_back", "walk_away"]),
            by_entry=_rates(rows, "entry", order))

    return db.in_transaction(engine, work, write=False)
