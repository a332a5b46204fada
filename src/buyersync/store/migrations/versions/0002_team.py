"""Team mode: users with roles and teams, and the audit log of changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Written out in full, like 0001, so that later edits to store/team.py cannot change it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team", sa.String(200)),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.CheckConstraint("role IN ('seller', 'manager', 'admin')", name="role"),
    )
    op.create_index("ix_users_team", "users", ["team"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("username", sa.String(200)),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("deal_id", sa.String(64)),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_deal_id_at", "audit_log", ["deal_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_deal_id_at", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_users_team", table_name="users")
    op.drop_table("users")
