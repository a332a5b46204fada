"""Plain models of the method: the deal a seller describes and the analysis buyersync returns.

These are pydantic models so that every entry point validates the same way and the JSON
Schemas can be published; they hold no storage or web concerns.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from buyersync.method.dates import parse_date
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
ShortText = Annotated[str, Field(max_length=2_000)]
# a date as people and CRM exports write it (method/dates.py); ISO 8601 on output
FlexDate = Annotated[dt.date, BeforeValidator(parse_date)]

_EMAIL = r"^\s*[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+\s*$"
_DOMAIN = r"^\s*@?(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,}\.?\s*$"


def _email(value: str) -> str:
    return value.strip().lower()


def _domain(value: str) -> str:
    return value.strip().lower().removeprefix("@").rstrip(".")


#: an e-mail address, kept in lower case (addresses are matched without regard to case)
Email = Annotated[str, Field(max_length=320, pattern=_EMAIL), AfterValidator(_email)]
#: the part of an address after '@', lower case, without the '@'
Domain = Annotated[str, Field(max_length=253, pattern=_DOMAIN), AfterValidator(_domain)]


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


def _storable_text(value: str) -> str:
    _storable(value)
    return value


Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_storable_text)]


class _Model(BaseModel):
    """Every model here builds its validator when first used, not when imported: a command
    that reads a deal meets a few of these models, and building them all costs its start-up
    tens of milliseconds."""

    model_config = ConfigDict(defer_build=True)


class _Strict(_Model):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: object) -> object:
        return _storable(value)


class Evidence(_Strict):
    """One piece of what the customer said or did: a note, an e-mail, a call, a tender excerpt."""

    text: Text
    date: FlexDate | None = None
    source: ShortText | None = None
    #: the e-mail's Message-ID, for evidence imported from a mailbox (re-importing adds nothing)
    message_id: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class Contact(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    title: ShortText | None = None
    email: Email | None = None
    role: Role = Role.other
    met: bool = False
    attitude: Literal["supporter", "neutral", "opponent"] | None = None
    influence: Literal["high", "medium", "low"] | None = None
    left: bool | None = Field(default=None, description="True once the person has left the customer")


class PlannedAction(_Strict):
    kind: ActionKind = ActionKind.other
    text: Annotated[str, Field(max_length=MAX_TEXT)] = ""


class Deal(_Strict):
    """A deal as the seller sees it. Only `name` is required."""

    id: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=500)]
    customer: ShortText | None = None
    lang: Lang | None = None
    stage: Stage | None = None
    evidence: list[Evidence] = Field(default_factory=list, max_length=10_000)
    drivers: dict[Stage, Driver] = Field(default_factory=dict)
    competitors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list
    )
    capabilities: list[Capability] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    exchange: Exchange | None = None
    planned_actions: list[PlannedAction] = Field(default_factory=list)
    outcome: Outcome = Outcome.open
    lost_reason: ShortText | None = None
    amount: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None
    owner: Annotated[str, Field(max_length=200)] | None = None
    # history, for learning from the team's own record (docs/learning.md)
    opened: FlexDate | None = None
    closed: FlexDate | None = None
    entry_stage: Stage | None = Field(
        default=None, description="the customer's stage when we entered; default: located "
                                  "from the evidence at `opened`")
    played: Play | None = Field(
        default=None, description="what we actually did; default: the strategy recommended "
                                  "at entry")
    #: the customer's e-mail domains: mail from them is matched to this deal
    domains: list[Domain] = Field(default_factory=list, max_length=50)


class ReferenceCase(_Strict):
    """One of the team's own reference cases (a frame of reference, 参照系)."""

    id: Annotated[str, Field(max_length=64)] | None = None
    customer: Annotated[str, Field(min_length=1, max_length=500)]
    industry: ShortText | None = None
    size: ShortText | None = None
    problem: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    result: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    contact: ShortText | None = None


class Signal(_Model):
    text: str
    stage: Stage | None = None
    kind: Literal["stage", "competitor_led", "not_led"] = "stage"


class Location(_Model):
    """Where one piece of evidence puts the customer (the `locate` object)."""

    stage: Stage
    confidence: float
    scores: dict[Stage, float]
    competitor_led: bool | None
    signals: list[Signal] = Field(default_factory=list)
    uncertain: bool = Field(default=False, description="True when the text carries too little "
                            "stage signal to tell; `stage` is then the best guess")


class Move(_Model):
    id: str
    step: Step
    stage: Stage
    title: str
    why: str
    say: str
    rule: str
    day: int | None = Field(default=None, description="Day of the plan, when a deadline is near")


class Warning(_Model):
    code: WarningCode
    message: str
    rule: str


LetterKind = Literal["exchange_conditions", "walk_away", "clarification", "challenge",
                     "post_mortem"]


class Letter(_Model):
    kind: LetterKind
    subject: str
    body: str
    to: str | None = None
    date: dt.date | None = None


class Signature(_Model):
    """Who signs a letter and on which day: the entry point knows them (the deal's owner,
    the settings, the clock); the planner only writes them in."""

    name: str | None = None
    title: str | None = None
    date: dt.date | None = None


class Tradeoff(_Model):
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


class Diagnosis(_Model):
    root_stage: Stage
    explanation: str


class TrackStage(_Model):
    """One stage of the nine-stage track, as drawn for a seller."""

    stage: Stage
    name: str
    position: Literal["passed", "current", "ahead"]
    driver: Driver | None
    target: bool


class Reason(_Model):
    rule: str
    text: str


class Fact(_Model):
    """One fact read from the evidence, quoted as written (`text`) with its kind."""

    kind: str
    text: str
    value: float | None = None
    evidence: int | None = Field(default=None, description="Index of the evidence item")


class Analysis(_Model):
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
    facts: list[Fact] = Field(default_factory=list)
    track: list[TrackStage]
    reasons: list[Reason]
    evidence: list[Location | None] = Field(
        default_factory=list,
        description="Where each evidence item, oldest first, puts the customer",
    )


def build_models() -> None:
    """Build every model's validator now, and stop deferring. The web app calls this before
    declaring its routes: FastAPI wraps a body model in a TypeAdapter, which would otherwise
    inherit `defer_build` and build on the first request, outside the guard with which
    FastAPI silences pydantic's warning about the alias it attaches."""
    for model in (Evidence, Contact, PlannedAction, Deal, ReferenceCase, Signal, Location, Move,
                  Warning, Letter, Signature, Tradeoff, Diagnosis, TrackStage, Reason, Fact,
                  Analysis):
        model.model_rebuild()
        model.model_config["defer_build"] = False  # each class holds its own config dict
