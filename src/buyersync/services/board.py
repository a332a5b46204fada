"""The pipeline board: a few cards per stage, every stage's count, the owners to filter by.

One read transaction, three statements whatever the size of the pipeline: the cards (a
row number per stage keeps the `per_column` newest of each, or one stage's later page),
the count per stage, and the distinct owners. Never a query per column or per deal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from buyersync.errors import invalid
from buyersync.method.stages import STAGES, Stage
from buyersync.services.deals import DealService
from buyersync.store import db
from buyersync.store.records import DealFilter, DealSummary
from buyersync.store.repository import DealRepository

#: cards per column before "more"
PER_COLUMN = 12
MAX_PAGE = 1_000


@dataclass(frozen=True)
class Board:
    columns: dict[Stage, list[DealSummary]]
    counts: dict[Stage, int]
    owners: list[str]
    per_column: int
    opened: Stage | None
    page: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def holds_until(self) -> dt.datetime:
        """When a card's days in stage (and so whether it is stalled) next move on: until
        then the board reads the same (while no deal changes)."""
        now = dt.datetime.now(dt.UTC)
        moments = [c.stage_since + dt.timedelta(days=c.days_in_stage + 1)
                   for cards in self.columns.values() for c in cards]
        return min([m for m in moments if m > now], default=now + dt.timedelta(days=1))

    def start(self, stage: Stage) -> int:
        """How many of the stage's deals come before the cards shown."""
        return self.page * self.per_column if stage == self.opened else 0


def board(service: DealService, filters: Mapping[str, Any], visible: Mapping[str, Any], *,
          per_column: int = PER_COLUMN, opened: Stage | None = None,
          page: int = 0) -> Board:
    """The board for `filters` (DealFilter fields, with the access scope in them), with
    the owners of the deals `visible` selects (the scope alone) to choose from."""
    try:
        where = DealFilter.model_validate(dict(filters))
        seen = DealFilter.model_validate(dict(visible))
    except ValidationError as e:
        raise invalid(e, "filter") from None
    page = max(0, min(page, MAX_PAGE)) if opened is not None else 0
    stalled_before = service.now() - dt.timedelta(days=service.settings.stalled_days)

    def read(conn: Connection) -> tuple[list[DealSummary], dict[str, int], list[str]]:
        repo = DealRepository(conn)
        return (repo.board(where, stalled_before=stalled_before, per_column=per_column,
                           opened=opened.value if opened else None, page=page),
                repo.count_by_stage(where, stalled_before=stalled_before),
                repo.owners(seen, stalled_before=stalled_before))

    cards, counts, owners = db.in_transaction(service.engine, read, write=False)
    columns: dict[Stage, list[DealSummary]] = {s: [] for s in STAGES}
    for card in cards:
        columns[card.stage].append(card)
    return Board(columns=columns, counts={s: counts.get(s.value, 0) for s in STAGES},
                 owners=owners, per_column=per_column, opened=opened, page=page)
