"""Plain models of the method: the deal a seller describes and the analysis buyersync returns.

Dataclasses whose fields carry their rules (`method/modelkit.py`): pydantic validates them
and publishes their JSON Schemas at every entry point, and a command that reads one deal
file validates them without importing pydantic. They hold no storage or web concerns.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from buyersync.method.dates import parse_date
from buyersync.method.modelkit import After, Before, Describe, Limit, Model
from buyersync.method.stages import (
    ActionKind,
    Capability,
    Channel,
    Driver,
    Exchange,
    Lang,
    Outcome,
    Play,
    Position,
    Role,
    Stage,
    Step,
    Strategy,
    WarningCode,
)

MAX_TEXT = 100_000

_EMAIL = r"^\s*[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+\s*$"
_DOMAIN = r"^\s*@?(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,}\.?\s*$"


def _email(value: str) -> str:
    return value.strip().lower()


def _domain(value: str) -> str:
    return value.strip().lower().removeprefix("@").rstrip(".")


def _storable(value: object) -> object:
    """Text that every database and file format can hold: no NUL character (PostgreSQL
    refuses it) and no lone surrogate (not encodable as UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("contains a NUL character")  # text-ok: as pydantic's own
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("contains a lone surrogate") from None  # text-ok: as pydantic's own
    elif isinstance(value, list):
        for item in value:
            _storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    return value


#: what a field of input a user writes holds: text every store can keep (checked last)
_KEPT = After(_storable)

ShortText = Annotated[str, Limit(max_length=2_000)]
# a date as people and CRM exports write it (method/dates.py); ISO 8601 on output
FlexDate = Annotated[dt.date, Before(parse_date)]
#: an e-mail address, kept in lower case (addresses are matched without regard to case)
Email = Annotated[str, Limit(max_length=320, pattern=_EMAIL), After(_email)]
#: the part of an address after '@', lower case, without the '@'
Domain = Annotated[str, Limit(max_length=253, pattern=_DOMAIN), After(_domain)]
Text = Annotated[str, Limit(min_length=1, max_length=MAX_TEXT), _KEPT]
_Short = Annotated[ShortText | None, _KEPT]
_FORBID: dict[str, Any] = {"extra": "forbid"}




@dataclass(kw_only=True)
class Evidence(Model):
    """One piece of what the customer said or did: a note, an e-mail, a call, a tender excerpt."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID
    text: Text
    date: FlexDate | None = None
    source: _Short = None
    #: the e-mail's Message-ID, for evidence imported from a mailbox (re-importing adds nothing)
    message_id: Annotated[Annotated[str, Limit(min_length=1, max_length=500)] | None, _KEPT] = None


@dataclass(kw_only=True)
class Contact(Model):
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID
    name: Annotated[str, Limit(min_length=1, max_length=200), _KEPT]
    title: _Short = None
    email: Annotated[Email | None, _KEPT] = None
    role: Role = Role.other
    met: bool = False
    attitude: Literal["supporter", "neutral", "opponent"] | None = None
    influence: Literal["high", "medium", "low"] | None = None
    left: Annotated[bool | None, Describe(description="True once the person has left the customer")] = None


@dataclass(kw_only=True)
class PlannedAction(Model):
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID
    kind: ActionKind = ActionKind.other
    text: Annotated[str, Limit(max_length=MAX_TEXT), _KEPT] = ""


@dataclass(kw_only=True)
class Deal(Model):
    """A deal as the seller sees it. Only `name` is required."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID
    id: Annotated[Annotated[str, Limit(max_length=64)] | None, _KEPT] = None
    name: Annotated[str, Limit(min_length=1, max_length=500), _KEPT]
    customer: _Short = None
    lang: Lang | None = None
    stage: Stage | None = None
    evidence: Annotated[list[Evidence], Limit(max_length=10_000)] = field(default_factory=list)
    drivers: dict[Stage, Driver] = field(default_factory=dict)
    competitors: Annotated[list[Annotated[str, Limit(min_length=1, max_length=200)]], _KEPT] = (
        field(default_factory=list))
    capabilities: list[Capability] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    exchange: Exchange | None = None
    planned_actions: list[PlannedAction] = field(default_factory=list)
    outcome: Outcome = Outcome.open
    lost_reason: _Short = None
    amount: Annotated[float, Limit(ge=0, allow_inf_nan=False)] | None = None
    currency: Annotated[Annotated[str, Limit(min_length=3, max_length=3)] | None, _KEPT] = None
    owner: Annotated[Annotated[str, Limit(max_length=200)] | None, _KEPT] = None
    # history, for learning from the team's own record (docs/learning.md)
    opened: FlexDate | None = None
    closed: FlexDate | None = None
    entry_stage: Annotated[Stage | None, Describe(description=
        "the customer's stage when we entered; default: located from the evidence at "
        "`opened`")] = None
    played: Annotated[Play | None, Describe(description=
        "what we actually did; default: the strategy recommended at entry")] = None
    #: the customer's e-mail domains: mail from them is matched to this deal
    domains: Annotated[list[Domain], Limit(max_length=50), _KEPT] = field(default_factory=list)


@dataclass(kw_only=True)
class ReferenceCase(Model):
    """One of the team's own reference cases (a frame of reference, 参照系)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID
    id: Annotated[Annotated[str, Limit(max_length=64)] | None, _KEPT] = None
    customer: Annotated[str, Limit(min_length=1, max_length=500), _KEPT]
    industry: _Short = None
    size: _Short = None
    problem: Annotated[str, Limit(min_length=1, max_length=MAX_TEXT), _KEPT]
    result: Annotated[str, Limit(min_length=1, max_length=MAX_TEXT), _KEPT]
    contact: _Short = None


@dataclass(kw_only=True)
class Signal(Model):
    text: str
    stage: Stage | None = None
    kind: Literal["stage", "competitor_led", "not_led"] = "stage"


@dataclass(kw_only=True)
class Location(Model):
    """Where one piece of evidence puts the customer (the `locate` object)."""

    stage: Stage
    confidence: float
    scores: dict[Stage, float]
    competitor_led: bool | None
    signals: list[Signal] = field(default_factory=list)
    uncertain: Annotated[bool, Describe(description=
        "True when the text carries too little stage signal to tell; `stage` is then the "
        "best guess")] = False


@dataclass(kw_only=True)
class Move(Model):
    id: str
    step: Step
    stage: Stage
    title: str
    why: str
    say: str
    rule: str
    day: Annotated[int | None, Describe(description="Day of the plan, when a deadline is near")] = None


@dataclass(kw_only=True)
class Warning(Model):
    code: WarningCode
    message: str
    rule: str


LetterKind = Literal["exchange_conditions", "walk_away", "clarification", "challenge",
                     "post_mortem"]


@dataclass(kw_only=True)
class Letter(Model):
    kind: LetterKind
    subject: str
    body: str
    to: str | None = None
    date: dt.date | None = None


@dataclass(kw_only=True)
class Signature(Model):
    """Who signs a letter and on which day: the entry point knows them (the deal's owner,
    the settings, the clock); the planner only writes them in."""

    name: str | None = None
    title: str | None = None
    date: dt.date | None = None


@dataclass(kw_only=True)
class Tradeoff(Model):
    """Win probability of the plan against following, and the days the plan costs.
    `basis` says where the figures come from: the shipped priors, or the team's own closed
    deals (then `n` of them in the cell, and `low`–`high` is the 80% interval)."""

    win_probability: float
    extra_days: int
    following_win_probability: float
    basis: Literal["priors", "team"] = "priors"
    explanation: str = ""
    n: int | None = None
    low: float | None = None
    high: float | None = None
    following_low: float | None = None
    following_high: float | None = None


@dataclass(kw_only=True)
class Diagnosis(Model):
    root_stage: Stage
    explanation: str


@dataclass(kw_only=True)
class TrackStage(Model):
    """One stage of the nine-stage track, as drawn for a seller."""

    stage: Stage
    name: str
    position: Literal["passed", "current", "ahead"]
    driver: Driver | None
    target: bool


@dataclass(kw_only=True)
class Reason(Model):
    rule: str
    text: str


@dataclass(kw_only=True)
class Fact(Model):
    """One fact read from the evidence, quoted as written (`text`) with its kind."""

    kind: str
    text: str
    value: float | None = None
    evidence: Annotated[int | None, Describe(description="Index of the evidence item")] = None


@dataclass(kw_only=True)
class Analysis(Model):
    """The `analyze` object: where the customer is and what to do about it."""

    stage: Stage
    stage_source: Literal["given", "evidence"]
    strategy: Strategy
    target_stage: Stage | None
    alternatives: list[Stage]
    moves: list[Move]
    questions: list[str]
    letters: list[Letter]
    warnings: list[Warning]
    tradeoff: Tradeoff | None
    diagnosis: Diagnosis | None
    lang: Lang
    position: Position = Position.unknown
    channel: Channel = Channel.standard
    deadline_days: int | None = None
    facts: list[Fact] = field(default_factory=list)
    track: list[TrackStage]
    reasons: list[Reason]
    evidence: Annotated[list[Location | None], Describe(description=
        "Where each evidence item, oldest first, puts the customer")] = field(
        default_factory=list)
