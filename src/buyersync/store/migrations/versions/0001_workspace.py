"""The deal workspace: deals, evidence, contacts, planned actions, stage history, analyses.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Written out in full rather than from `metadata.create_all`, so that later changes to
tables.py cannot change what this revision creates.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)


def _deal_fk() -> sa.Column[str]:
    return sa.Column("deal_id", sa.String(64), sa.ForeignKey("deals.id", ondelete="CASCADE"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "deals",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("customer", sa.Text()),
        sa.Column("lang", sa.String(2)),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("stage_source", sa.String(16), nullable=False),
        sa.Column("drivers", sa.JSON(), nullable=False),
        sa.Column("competitors", sa.JSON(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("exchange", sa.String(16)),
        sa.Column("outcome", sa.String(16), nullable=False, server_default="open"),
        sa.Column("lost_reason", sa.Text()),
        sa.Column("amount", sa.Float()),
        sa.Column("currency", sa.String(3)),
        sa.Column("owner", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("closed_at", TS),
        sa.Column("stage_since", TS, nullable=False),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("target_stage", sa.String(16)),
        sa.Column("warnings", sa.String(500), nullable=False, server_default=","),
        sa.PrimaryKeyConstraint("id", name="pk_deals"),
        sa.CheckConstraint("outcome IN ('open', 'won', 'lost')", name="outcome"),
        sa.CheckConstraint("stage_source IN ('given', 'evidence')",
                           name="stage_source"),
    )
    op.create_index("ix_deals_stage_updated_at", "deals", ["stage", "updated_at"])
    op.create_index("ix_deals_strategy_updated_at", "deals", ["strategy", "updated_at"])
    op.create_index("ix_deals_owner_updated_at", "deals", ["owner", "updated_at"])
    op.create_index("ix_deals_outcome_stage_since", "deals", ["outcome", "stage_since"])
    op.create_index("ix_deals_updated_at", "deals", ["updated_at"])

    op.create_table(
        "evidence",
        sa.Column("id", sa.String(32), nullable=False),
        _deal_fk(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("date", sa.Date()),
        sa.Column("source", sa.Text()),
        sa.Column("stage", sa.String(16)),
        sa.Column("confidence", sa.Float()),
        sa.Column("competitor_led", sa.Boolean()),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
        sa.UniqueConstraint("deal_id", "position", name="uq_evidence_deal_id_position"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(32), nullable=False),
        _deal_fk(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("attitude", sa.String(16)),
        sa.Column("influence", sa.String(16)),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.UniqueConstraint("deal_id", "position", name="uq_contacts_deal_id_position"),
    )
    op.create_table(
        "planned_actions",
        sa.Column("id", sa.String(32), nullable=False),
        _deal_fk(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_planned_actions"),
        sa.UniqueConstraint("deal_id", "position", name="uq_planned_actions_deal_id_position"),
    )
    op.create_table(
        "stage_history",
        sa.Column("id", sa.String(32), nullable=False),
        _deal_fk(),
        sa.Column("at", TS, nullable=False),
        sa.Column("from_stage", sa.String(16)),
        sa.Column("to_stage", sa.String(16), nullable=False),
        sa.Column("drivers", sa.JSON(), nullable=False),
        sa.Column("driver_changes", sa.JSON(), nullable=False),
        sa.Column("strategy", sa.String(16)),
        sa.Column("cause", sa.String(16), nullable=False),
        sa.Column("evidence_id", sa.String(32),
                  sa.ForeignKey("evidence.id", ondelete="SET NULL")),
        sa.PrimaryKeyConstraint("id", name="pk_stage_history"),
        sa.CheckConstraint("cause IN ('evidence', 'manual', 'import')",
                           name="cause"),
    )
    op.create_index("ix_stage_history_deal_id_at", "stage_history", ["deal_id", "at"])
    op.create_index("ix_stage_history_evidence_id", "stage_history", ["evidence_id"])
    op.create_table(
        "analyses",
        sa.Column("id", sa.String(32), nullable=False),
        _deal_fk(),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("target_stage", sa.String(16)),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_analyses"),
    )
    op.create_index("ix_analyses_deal_id_created_at", "analyses", ["deal_id", "created_at"])


def downgrade() -> None:
    for table in ("analyses", "stage_history", "planned_actions", "contacts", "evidence",
                  "deals"):
        op.drop_table(table)
