"""Read-side queries for managers: rows in, rows out, no models and no session kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from buyersync.store.tables import deals, evidence, stage_history


def counts(conn: Connection, column: str, *, open_only: bool) -> dict[str, int]:
    """How many deals per value of a deals column (`stage`, `strategy`, `outcome`)."""
    col = deals.c[column]
    query = select(col, func.count()).group_by(col)
    if open_only:
        query = query.where(deals.c.outcome == "open")
    return {str(value): int(n) for value, n in conn.execute(query)}


def entry_rows(conn: Connection) -> list[dict[str, Any]]:
    """Per deal: outcome, the stage and strategy of its first history row (where we
    entered), when it entered, its first evidence date, created and closed times."""
    ranked = select(
        stage_history.c.deal_id, stage_history.c.to_stage, stage_history.c.strategy,
        stage_history.c.at,
        func.row_number().over(partition_by=stage_history.c.deal_id,
                               order_by=(stage_history.c.at, stage_history.c.id)).label("rn"),
    ).subquery()
    first_evidence = (select(evidence.c.deal_id, func.min(evidence.c.date).label("day"))
                      .group_by(evidence.c.deal_id).subquery())
    query = (
        select(deals.c.id, deals.c.outcome, deals.c.created_at, deals.c.closed_at,
               ranked.c.to_stage.label("entry_stage"), ranked.c.strategy.label("entry_strategy"),
               ranked.c.at.label("entered_at"), first_evidence.c.day.label("first_evidence"))
        .select_from(deals)
        .outerjoin(ranked, (ranked.c.deal_id == deals.c.id) & (ranked.c.rn == 1))
        .outerjoin(first_evidence, first_evidence.c.deal_id == deals.c.id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def stalled_count(conn: Connection, before: Any) -> int:
    query = select(func.count()).select_from(deals).where(
        (deals.c.outcome == "open") & (deals.c.stage_since <= before))
    return int(conn.execute(query).scalar_one())
