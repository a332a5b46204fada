"""Analyses (and rendered deal rooms) cached by deal revision, shared by every worker.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False,
                                   server_default="0"))
    # the version of the closed deals (count, newest change), read on every deal room
    op.create_index("ix_deals_outcome_updated_at", "deals", ["outcome", "updated_at"])
    op.create_table(
        "analysis_cache",
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("stamp", sa.String(500), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE",
                                name="fk_analysis_cache_deal_id_deals"),
        sa.PrimaryKeyConstraint("deal_id", "key", name="pk_analysis_cache"),
    )


def downgrade() -> None:
    op.drop_table("analysis_cache")
    op.drop_index("ix_deals_outcome_updated_at", table_name="deals")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("revision")
