"""Times with censoring: days from opening to closing (open deals still running), and days
at a stage (customers still there). Kaplan–Meier from SciPy (`scipy.stats.ecdf` on
`CensoredData`), so an open deal counts for as long as it has lasted so far instead of
being dropped, which would make every cycle look short.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from buyersync.learning.history import Spell
from buyersync.method.stages import STAGES, Stage

LEVEL = 0.8
#: a stall threshold needs this many customers seen leaving the stage
MIN_SPELLS = 8
#: a deal is stalled when it has sat at a stage longer than this share of the team's
#: customers took to move on from it
STALL_QUANTILE = 0.8


@dataclass(frozen=True)
class Curve:
    """A survival curve S(t): the share still running after t days."""

    times: tuple[float, ...]
    survival: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    events: int

    def at(self, t: float) -> float:
        """S(t); past the last observed time it stays at its last value."""
        i = int(np.searchsorted(self.times, t, side="right"))
        return 1.0 if i == 0 else self.survival[i - 1]

    def quantile(self, q: float, band: Sequence[float] | None = None) -> float | None:
        """The first time by which a share q has ended (S ≤ 1 − q); None if never seen."""
        values = self.survival if band is None else band
        for t, s in zip(self.times, values, strict=True):
            if s <= 1 - q + 1e-12:
                return t
        return None

    def median(self) -> tuple[float | None, float | None, float | None]:
        """The median and its 80% interval (where the band's edges cross one half)."""
        return self.quantile(0.5), self.quantile(0.5, self.low), self.quantile(0.5, self.high)


def kaplan_meier(times: Iterable[tuple[float, bool]]) -> Curve | None:
    """`times` are (days, ended). None when nothing has ended yet."""
    from scipy import stats

    pairs = list(times)
    ended = [t for t, e in pairs if e]
    running = [t for t, e in pairs if not e]
    if not ended:
        return None
    result = stats.ecdf(stats.CensoredData(uncensored=ended, right=running))
    with warnings.catch_warnings():
        # the log-log band is undefined where S(t) is 0 or 1; those points become 0 / 1
        warnings.simplefilter("ignore", RuntimeWarning)
        band = result.sf.confidence_interval(LEVEL, method="log-log")
    low = np.nan_to_num(band.low.probabilities, nan=0.0)
    high = np.nan_to_num(band.high.probabilities, nan=1.0)
    return Curve(times=tuple(float(t) for t in result.sf.quantiles),
                 survival=tuple(float(s) for s in result.sf.probabilities),
                 low=tuple(float(s) for s in low), high=tuple(float(s) for s in high),
                 events=len(ended))


def stall_days(spells: Iterable[Spell], default: int) -> dict[Stage, tuple[int, bool]]:
    """Per stage: days after which a customer sitting there counts as stalled, and whether
    the team's own history set it (else the default)."""
    by_stage: dict[Stage, list[tuple[float, bool]]] = {s: [] for s in STAGES}
    for spell in spells:
        by_stage[spell.stage].append((spell.days, spell.ended))
    out: dict[Stage, tuple[int, bool]] = {}
    for stage, times in by_stage.items():
        ended = sum(1 for _, e in times if e)
        curve = kaplan_meier(times) if ended >= MIN_SPELLS else None
        learned = curve.quantile(STALL_QUANTILE) if curve else None
        out[stage] = (max(1, round(learned)), True) if learned is not None else (default, False)
    return out
