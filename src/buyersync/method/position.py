"""Who is winning: front-runner, challenger, incumbent or unknown (CONTRACT Additions).

Rules, in order (the first that holds decides):
0. A closed deal: won → front-runner, lost → challenger (the winner is known).
1. An executive committed to a competitor → challenger.
2. Our champion left (a coach, supporter or decision-maker marked `left` or named as gone),
   or a new leader is reopening what was settled → challenger.
3. The customer is renewing a contract we hold → incumbent.
4. An executive committed to our offer (approved our business case, chose us) once the
   formal decision is under way (solution or later) → front-runner.
5. Cheaper rivals pressing at the end (solution or later) → challenger.
6. Whoever shaped the latest known stage (the current one or the last passed): us →
   front-runner; a competitor → challenger; the customer alone or nobody known → unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from buyersync.method.facts import Facts, short
from buyersync.method.model import Contact
from buyersync.method.stages import Driver, Outcome, Position, Role, Stage

CHAMPION_ROLES = (Role.coach, Role.economic_buyer, Role.executive)


@dataclass(frozen=True)
class Standing:
    position: Position
    why: str  # a key of messages.yaml `position_why`
    text: str = ""
    stage: Stage | None = None
    driver: Driver | None = None


def champions_left(facts: Facts) -> list[Contact]:
    return [c for c in facts.left
            if c.role in CHAMPION_ROLES or c.attitude == "supporter"]


def standing(stage: Stage, drivers: Mapping[Stage, Driver], facts: Facts,
             outcome: Outcome = Outcome.open) -> Standing:
    if outcome is not Outcome.open:
        won = outcome is Outcome.won
        return Standing(Position.front_runner if won else Position.challenger,
                        "won" if won else "lost")
    if facts.commit_them:
        return Standing(Position.challenger, "commit_them", short(facts.commit_them[-1].text))
    gone = champions_left(facts)
    if gone:
        return Standing(Position.challenger, "left", gone[0].name)
    if facts.reopened and facts.arrived:
        return Standing(Position.challenger, "reopened", short(facts.reopened[-1].text))
    if facts.renewal_us and not facts.renewal_them:
        return Standing(Position.incumbent, "renewal")
    if facts.commit_us and stage.rank >= Stage.solution.rank:
        return Standing(Position.front_runner, "commit_us", short(facts.commit_us[-1].text))
    if facts.cheaper and stage.rank >= Stage.solution.rank:
        return Standing(Position.challenger, "cheaper", short(facts.cheaper[-1].text))
    for s in [stage, *reversed(stage.before())]:
        who = drivers.get(s, Driver.unknown)
        if who is Driver.us:
            return Standing(Position.front_runner, "latest_us", stage=s, driver=who)
        if who is Driver.competitor:
            return Standing(Position.challenger, "latest_them", stage=s, driver=who)
        if who is Driver.customer:
            return Standing(Position.unknown, "none", stage=s, driver=who)
    return Standing(Position.unknown, "none")
