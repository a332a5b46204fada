"""The rows learning works from: one plain record per deal, no database and no web.

`store/analytics.py` reads them from a workspace, `learning/simulate.py` makes them with a
known truth; the estimators in this package take nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from buyersync.method.stages import STAGES, Outcome, Play, Stage

PLAYS: list[Play] = list(Play)


@dataclass(frozen=True)
class Spell:
    """A stretch of days a deal's customer spent at one stage; `ended` is False while the
    customer is still there (a censored observation)."""

    stage: Stage
    days: float
    ended: bool


@dataclass(frozen=True)
class DealHistory:
    """What learning needs of one deal. `entry_stage` and `played` are already defaulted
    (see `store/analytics.py`); a deal with neither is left out of the cells."""

    id: str
    entry_stage: Stage | None
    played: Play | None
    outcome: Outcome
    opened: dt.date | None
    closed: dt.date | None = None
    amount: float | None = None
    currency: str | None = None
    spells: tuple[Spell, ...] = field(default_factory=tuple)

    @property
    def is_closed(self) -> bool:
        return self.outcome is not Outcome.open

    @property
    def cell(self) -> tuple[Stage, Play] | None:
        if self.entry_stage is None or self.played is None:
            return None
        return self.entry_stage, self.played

    def days(self, today: dt.date) -> float | None:
        """Days from opening to closing, or (open deals) to today: a censored time."""
        if self.opened is None:
            return None
        end = self.closed if self.is_closed and self.closed is not None else today
        if self.is_closed and self.closed is None:
            return None
        return float(max(0, (end - self.opened).days))


CELLS: list[tuple[Stage, Play]] = [(s, p) for s in STAGES for p in PLAYS]
