"""Contacts who have left the customer (CONTRACT Additions: `contacts[].left`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("left", sa.Boolean()))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("left")
