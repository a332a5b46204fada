"""The real analysis, counting its calls: for tests that hold how often a path analyses."""

from __future__ import annotations

from typing import Any

from buyersync.method.model import Deal
from buyersync.services.analysis import analyze


class CountingAnalyzer:
    """`services.analysis.analyze`, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, deal: Deal) -> Any:
        self.calls += 1
        return analyze(deal)
