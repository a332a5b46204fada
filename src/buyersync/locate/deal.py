"""Deal-level location: a deal's dated evidence → the stage the customer stands at now.

The evidence is read as a path through the buying process (a hidden Markov model,
filtered forward): each item's scores are what it shows, and between items the customer
mostly stays or moves forward, less often steps back (a pull-back is possible, so it is
not ruled out). The result is the probability of each stage after the newest item, so
one vague late note cannot drag a customer back from a tender to its first problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from buyersync.method.model import Location
from buyersync.method.stages import STAGES, Driver, Stage

STAY = 0.55        # chance that the next item shows the same stage
FORWARD = 0.37     # shared by the stages ahead, halving with each step
BACK = 0.08        # shared by the stages behind (pull-backs), halving with each step
FLOOR = 0.02       # no item rules a stage out completely


def _transitions() -> list[list[float]]:
    """Row i: the chance of each stage after an item that showed stage i (nine numbers:
    NumPy would cost more to import than this whole filter costs to run)."""
    n = len(STAGES)
    t = [[0.0] * n for _ in range(n)]
    for i in range(n):
        ahead = [0.5**k for k in range(n - i - 1)]
        behind = [0.5**k for k in range(i)]
        t[i][i] = STAY
        for k, w in enumerate(ahead):
            t[i][i + 1 + k] = FORWARD * w / sum(ahead)
        for k, w in enumerate(behind):
            t[i][i - 1 - k] = BACK * w / sum(behind)
        total = math.fsum(t[i])
        t[i] = [v / total for v in t[i]]
    return t


TRANSITIONS = _transitions()


def stage_path(locations: Sequence[Location | None],
               same_day: Sequence[bool] | None = None) -> list[float] | None:
    """P(stage after the newest item | all items), as an array in stage order.

    `same_day[i]` says item i is dated the same day as the item before it: the two are
    read as one moment (no step between them), so a note about the spec written the day
    a tender is published does not pull the customer back from the tender."""
    kept = [(loc, bool(same_day[i]) if same_day is not None else False)
            for i, loc in enumerate(locations) if loc is not None]
    if not kept:
        return None
    n = len(STAGES)
    belief = [1.0 / n] * n
    for i, (loc, together) in enumerate(kept):
        if i and not together:
            belief = [math.fsum(belief[a] * TRANSITIONS[a][b] for a in range(n)) for b in range(n)]
        belief = [p * (loc.scores[s] + FLOOR) for p, s in zip(belief, STAGES, strict=True)]
        total = math.fsum(belief)
        belief = [p / total for p in belief]
    return belief


def current_stage(locations: Sequence[Location | None],
                  same_day: Sequence[bool] | None = None) -> tuple[Stage, float] | None:
    belief = stage_path(locations, same_day)
    if belief is None:
        return None
    best = belief.index(max(belief))
    return STAGES[best], belief[best]


def inferred_drivers(locations: Sequence[Location | None], stage: Stage,
                     given: Mapping[Stage, Driver]) -> dict[Stage, Driver]:
    """The deal's drivers, plus `competitor` for passed stages the evidence shows a competitor shaped."""
    drivers = dict(given)
    for loc in locations:
        if (loc is not None and loc.competitor_led and loc.stage.rank < stage.rank
                and drivers.get(loc.stage, Driver.unknown) == Driver.unknown):
            drivers[loc.stage] = Driver.competitor
    return drivers
