"""Read-side queries for managers: rows in, rows out, no models and no session kept.

The grouping happens in the database, so that the figures for a large workspace come back
as a few dozen rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, DateTime, Float, case, cast, func, literal, select

from buyersync.store.tables import analyses, deals, evidence, stage_history


def counts(conn: Connection, column: str, *, open_only: bool) -> dict[str, int]:
    """How many deals per value of a deals column (`stage`, `strategy`, `outcome`)."""
    col = deals.c[column]
    query = select(col, func.count()).group_by(col)
    if open_only:
        query = query.where(deals.c.outcome == "open")
    return {str(value): int(n) for value, n in conn.execute(query)}


def stalled_count(conn: Connection, before: Any) -> int:
    query = select(func.count()).select_from(deals).where(
        (deals.c.outcome == "open") & (deals.c.stage_since <= before))
    return int(conn.execute(query).scalar_one())


def _days(conn: Connection, end: Any, start: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / literal(86400.0, Float)


def entry_outcomes(conn: Connection) -> list[dict[str, Any]]:
    """Deals grouped by where we entered (the stage and strategy of each deal's first
    history row) and outcome: how many, and for closed deals the days from the first
    evidence (else from entering, else from creation) to the outcome, summed."""
    ranked = select(
        stage_history.c.deal_id, stage_history.c.to_stage, stage_history.c.strategy,
        stage_history.c.at,
        func.row_number().over(partition_by=stage_history.c.deal_id,
                               order_by=(stage_history.c.at, stage_history.c.id)).label("rn"),
    ).subquery()
    # evidence is listed oldest first: the first item's date, found through the unique
    # (deal_id, position) index rather than a min() over every evidence row
    first = (select(evidence.c.deal_id, evidence.c.date)
             .where(evidence.c.position == 0).subquery())
    start_day = (first.c.date if conn.dialect.name == "sqlite"
                 else cast(first.c.date, DateTime(timezone=True)))
    start = func.coalesce(start_day, ranked.c.at, deals.c.created_at)
    closed = deals.c.outcome.in_(("won", "lost")) & deals.c.closed_at.is_not(None)
    days = case((closed, _days(conn, deals.c.closed_at, start)))
    entry_stage = ranked.c.to_stage.label("entry_stage")
    entry_strategy = ranked.c.strategy.label("entry_strategy")
    query = (
        select(entry_stage, entry_strategy, deals.c.outcome, func.count().label("deals"),
               func.sum(days).label("days_sum"), func.count(days).label("days_n"))
        .select_from(deals)
        .outerjoin(ranked, (ranked.c.deal_id == deals.c.id) & (ranked.c.rn == 1))
        .outerjoin(first, first.c.deal_id == deals.c.id)
        .group_by(ranked.c.to_stage, ranked.c.strategy, deals.c.outcome)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def learning_rows(conn: Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                             list[dict[str, Any]]]:
    """What learning reads, as three row lists: the deals' own columns, every evidence
    item's date and located stage, and every stage-history row's time and stage."""
    deal_cols = [deals.c[k] for k in (
        "id", "outcome", "opened", "closed", "entry_stage", "played", "amount", "currency",
        "stage", "strategy", "created_at", "closed_at")]
    deal_rows = [dict(r._mapping) for r in conn.execute(select(*deal_cols).order_by(deals.c.id))]
    ev = select(evidence.c.deal_id, evidence.c.position, evidence.c.date, evidence.c.stage) \
        .order_by(evidence.c.deal_id, evidence.c.position)
    hist = select(stage_history.c.deal_id, stage_history.c.at, stage_history.c.to_stage,
                  stage_history.c.strategy) \
        .order_by(stage_history.c.deal_id, stage_history.c.at, stage_history.c.id)
    return (deal_rows, [dict(r._mapping) for r in conn.execute(ev)],
            [dict(r._mapping) for r in conn.execute(hist)])


def lost_root_stages(conn: Connection) -> list[dict[str, Any]]:
    """Lost deals by the root stage of their latest saved analysis (where the deal was
    really lost): rows of (stage, deals)."""
    from collections import Counter

    ranked = (select(analyses.c.deal_id, analyses.c.plan,
                     func.row_number().over(partition_by=analyses.c.deal_id,
                                            order_by=(analyses.c.created_at.desc(),
                                                      analyses.c.id.desc())).label("rn"))
              .join(deals, deals.c.id == analyses.c.deal_id)
              .where(deals.c.outcome == "lost").subquery())
    latest = conn.execute(select(ranked.c.plan).where(ranked.c.rn == 1)).scalars()
    found = Counter(
        str(plan["diagnosis"]["root_stage"]) for plan in latest
        if isinstance(plan, dict) and isinstance(plan.get("diagnosis"), dict)
        and plan["diagnosis"].get("root_stage"))
    return [{"stage": stage, "deals": n} for stage, n in found.items()]
