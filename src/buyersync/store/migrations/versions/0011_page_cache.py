"""The workspace's change counter (one more on every write to deals) and the page cache
keyed by it (the board), shared by every worker.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    version = op.create_table(
        "workspace_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace_version"),
    )
    op.bulk_insert(version, [{"id": 1, "changes": 0}])
    op.create_table(
        "page_cache",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("stamp", sa.String(500), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_page_cache"),
    )


def downgrade() -> None:
    op.drop_table("page_cache")
    op.drop_table("workspace_version")
