"""The nine stages of the buying process and the other closed vocabularies of the method."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    problem = "problem"
    pain = "pain"
    goal = "goal"
    requirements = "requirements"
    measures = "measures"
    solution = "solution"
    value = "value"
    risk = "risk"
    cost = "cost"

    @property
    def rank(self) -> int:
        return STAGES.index(self)

    def next(self) -> Stage | None:
        i = self.rank
        return STAGES[i + 1] if i + 1 < len(STAGES) else None

    def before(self) -> list[Stage]:
        """The stages the customer has already passed when it stands here."""
        return STAGES[: self.rank]


STAGES: list[Stage] = list(Stage)


class Driver(StrEnum):
    us = "us"
    competitor = "competitor"
    customer = "customer"
    unknown = "unknown"


class Capability(StrEnum):
    hidden_problems = "hidden_problems"
    unexpected_solution = "unexpected_solution"
    reference_frame = "reference_frame"
    executive_access = "executive_access"
    domain_expertise = "domain_expertise"


class Role(StrEnum):
    economic_buyer = "economic_buyer"
    executive = "executive"
    evaluator = "evaluator"
    user = "user"
    procurement = "procurement"
    coach = "coach"
    other = "other"


class ActionKind(StrEnum):
    quote = "quote"
    proposal = "proposal"
    product_demo = "product_demo"
    trial = "trial"
    discovery = "discovery"
    meeting = "meeting"
    letter = "letter"
    other = "other"


class Exchange(StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"


class Outcome(StrEnum):
    open = "open"
    won = "won"
    lost = "lost"


class Strategy(StrEnum):
    in_step = "in_step"
    pull_back = "pull_back"
    walk_away = "walk_away"


class Play(StrEnum):
    """What the seller actually did on entering a deal (history, not advice): `follow` is
    answering what the customer asked for; the others are the planner's strategies."""

    follow = "follow"
    in_step = "in_step"
    pull_back = "pull_back"
    walk_away = "walk_away"


class Step(StrEnum):
    scare = "scare"
    smash = "smash"
    pull = "pull"
    ask = "ask"
    meet = "meet"
    letter = "letter"
    guard = "guard"


class WarningCode(StrEnum):
    following = "following"
    pull_forward = "pull_forward"
    no_executive = "no_executive"
    too_far = "too_far"
    unknown_drivers = "unknown_drivers"
    champion_left = "champion_left"
    new_decision_maker = "new_decision_maker"
    cheaper_bidders = "cheaper_bidders"
    concession = "concession"
    private_meeting = "private_meeting"


class Position(StrEnum):
    """Who is winning, as far as the deal shows (CONTRACT Additions)."""

    front_runner = "front_runner"
    challenger = "challenger"
    incumbent = "incumbent"
    unknown = "unknown"


class Channel(StrEnum):
    """How the customer buys: the channel decides which levers are proper."""

    standard = "standard"
    public_procurement = "public_procurement"
    price_squeeze = "price_squeeze"
    renewal = "renewal"


class Lang(StrEnum):
    zh = "zh"
    en = "en"
