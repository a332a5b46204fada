"""Deal history for learning: when a deal opened and closed, where we entered, what we did.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

All four columns are nullable: deals saved before this revision simply have no history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("opened", sa.Date()))
        batch.add_column(sa.Column("closed", sa.Date()))
        batch.add_column(sa.Column("entry_stage", sa.String(16)))
        batch.add_column(sa.Column("played", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        for name in ("played", "entry_stage", "closed", "opened"):
            batch.drop_column(name)
