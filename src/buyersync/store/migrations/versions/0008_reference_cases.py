"""The team's reference cases (frames of reference, 参照系).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "reference_cases",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(500), nullable=False),
        sa.Column("industry", sa.Text()),
        sa.Column("size", sa.Text()),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_reference_cases"),
    )


def downgrade() -> None:
    op.drop_table("reference_cases")
