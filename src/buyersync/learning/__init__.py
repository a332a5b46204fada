"""Learning from the team's own history (docs/learning.md): pure statistics on plain rows.

Nothing here touches a database or the web: `store/analytics.py` reads the rows, the
service wires them in, entry points print. SciPy is imported lazily (fast CLI start-up).
"""

from buyersync.learning.history import CELLS, PLAYS, DealHistory, Spell
from buyersync.learning.team import MIN_CLOSED, CellReport, Forecast, TeamLearning, learn

__all__ = ["CELLS", "MIN_CLOSED", "PLAYS", "CellReport", "DealHistory", "Forecast", "Spell",
           "TeamLearning", "learn"]
