"""Deal-level location: a deal's dated evidence → the stage the customer stands at now.

The newest evidence counts most (recency decay), each item weighted by how sure its own
location is; a later item that shows an earlier stage wins when it is clear, because a
customer can be pulled back. Competitor-led stages become drivers the deal did not state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from buyersync.method.model import Location
from buyersync.method.stages import STAGES, Driver, Stage

RECENCY = 0.35


def current_stage(locations: Sequence[Location | None]) -> tuple[Stage, float] | None:
    located = [loc for loc in locations if loc is not None]
    if not located:
        return None
    total = dict.fromkeys(STAGES, 0.0)
    n = len(located)
    for age, loc in enumerate(reversed(located)):
        weight = RECENCY**age * (0.25 + loc.confidence)
        for s in STAGES:
            total[s] += weight * loc.scores[s]
    norm = sum(total.values()) or 1.0
    best = max(STAGES, key=total.__getitem__)
    return best, total[best] / norm if n else 0.0


def inferred_drivers(locations: Sequence[Location | None], stage: Stage,
                     given: Mapping[Stage, Driver]) -> dict[Stage, Driver]:
    """The deal's drivers, plus `competitor` for passed stages the evidence shows a competitor shaped."""
    drivers = dict(given)
    for loc in locations:
        if (loc is not None and loc.competitor_led and loc.stage.rank < stage.rank
                and drivers.get(loc.stage, Driver.unknown) == Driver.unknown):
            drivers[loc.stage] = Driver.competitor
    return drivers
