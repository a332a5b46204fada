"""The workspace tables (SQLAlchemy Core): deals and what hangs off them.

The domain classes in `method/model.py` know nothing of these; `repository.py` maps rows
to and from them. Other modules may add tables to the same `metadata` (team tables come
in a later migration); every table here belongs to migration revision 0001 (the deals' history columns to 0003).

Times are stored in UTC and read back timezone-aware (`UTCDateTime`), on SQLite too.
Child rows carry client-made text ids, so a backup restores byte for byte on either
database without sequences to reset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ID = 64  # deal ids may come from a file or a CRM (Salesforce ids, `sf-…` prefixed)
KEY = 16  # stage, driver, strategy and other vocabulary keys
CAUSES = ("evidence", "manual", "import", "refresh")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A datetime stored as UTC and always read back timezone-aware.

    SQLite keeps no zone, PostgreSQL's timestamptz does; both come back in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _fk_deal() -> Column[str]:
    return Column("deal_id", String(ID), ForeignKey("deals.id", ondelete="CASCADE"),
                  nullable=False)


deals = Table(
    "deals", metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("customer", Text),
    Column("lang", String(2)),
    # the customer's current stage, as the latest analysis has it; `stage_source` says
    # whether the seller gave it (exported back as the deal's `stage`) or the evidence did
    Column("stage", String(KEY), nullable=False),
    Column("stage_source", String(KEY), nullable=False),
    Column("drivers", JSON, nullable=False),
    Column("competitors", JSON, nullable=False),
    Column("capabilities", JSON, nullable=False),
    Column("exchange", String(KEY)),
    Column("outcome", String(KEY), nullable=False, server_default="open"),
    Column("lost_reason", Text),
    Column("amount", Float),
    Column("currency", String(3)),
    Column("owner", String(200)),
    # the deal file's history fields (migration 0003), as given: defaults are worked out
    # when learning, so that an export gives back exactly what was imported
    Column("opened", Date),
    Column("closed", Date),
    Column("entry_stage", String(KEY)),
    Column("played", String(KEY)),
    # the customer's e-mail domains (migration 0005), for matching mail to deals
    Column("domains", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    # when the stage last moved (the newest history row), for `stalled` without a join
    Column("stage_since", UTCDateTime, nullable=False),
    # the latest analysis in brief, for listing and filtering without re-analysing
    Column("strategy", String(KEY), nullable=False),
    Column("target_stage", String(KEY)),
    # warning codes as ",code,code," so that one LIKE finds a code on either database
    Column("warnings", String(500), nullable=False, server_default=","),
    # one more on every write (migration 0010): the key of the cached analyses
    Column("revision", Integer, nullable=False, server_default="0"),
    CheckConstraint("outcome IN ('open', 'won', 'lost')", name="outcome"),
    CheckConstraint("stage_source IN ('given', 'evidence')", name="stage_source"),
    Index(None, "stage", "updated_at"),
    Index(None, "strategy", "updated_at"),
    Index(None, "owner", "updated_at"),
    Index(None, "outcome", "stage_since"),
    Index(None, "outcome", "updated_at"),  # the closed deals' version (migration 0010)
    Index(None, "updated_at"),
)

evidence = Table(
    "evidence", metadata,
    Column("id", String(KEY * 2), primary_key=True),
    _fk_deal(),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("date", Date),
    Column("source", Text),
    # the Message-ID of a mail this item came from (migration 0005): a re-import adds nothing
    Column("message_id", String(500), index=True),
    # where this item put the customer when it was added (the locator's answer then)
    Column("stage", String(KEY)),
    Column("confidence", Float),
    Column("competitor_led", Boolean),
    Column("signals", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("deal_id", "position"),
)

contacts = Table(
    "contacts", metadata,
    Column("id", String(KEY * 2), primary_key=True),
    _fk_deal(),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("title", Text),
    Column("email", String(320), index=True),  # migration 0005
    Column("role", String(KEY), nullable=False),
    Column("met", Boolean, nullable=False),
    Column("attitude", String(KEY)),
    Column("influence", String(KEY)),
    Column("left", Boolean),
    UniqueConstraint("deal_id", "position"),
)

planned_actions = Table(
    "planned_actions", metadata,
    Column("id", String(KEY * 2), primary_key=True),
    _fk_deal(),
    Column("position", Integer, nullable=False),
    Column("kind", String(KEY), nullable=False),
    Column("text", Text, nullable=False),
    UniqueConstraint("deal_id", "position"),
)

stage_history = Table(
    "stage_history", metadata,
    Column("id", String(KEY * 2), primary_key=True),
    _fk_deal(),
    Column("at", UTCDateTime, nullable=False),
    Column("from_stage", String(KEY)),
    Column("to_stage", String(KEY), nullable=False),
    Column("drivers", JSON, nullable=False),
    Column("driver_changes", JSON, nullable=False),
    Column("strategy", String(KEY)),
    Column("cause", String(KEY), nullable=False),
    Column("evidence_id", String(KEY * 2),
           ForeignKey("evidence.id", ondelete="SET NULL")),
    CheckConstraint("cause IN ('evidence', 'manual', 'import', 'refresh')", name="cause"),
    Index(None, "deal_id", "at"),
    Index(None, "evidence_id"),
)

analyses = Table(
    "analyses", metadata,
    Column("id", String(KEY * 2), primary_key=True),
    _fk_deal(),
    Column("created_at", UTCDateTime, nullable=False),
    Column("stage", String(KEY), nullable=False),
    Column("strategy", String(KEY), nullable=False),
    Column("target_stage", String(KEY)),
    Column("plan", JSON, nullable=False),
    Index(None, "deal_id", "created_at"),
)

WORKSPACE_TABLES = (deals, evidence, contacts, planned_actions, stage_history, analyses)
