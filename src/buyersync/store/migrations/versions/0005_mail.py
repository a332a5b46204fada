"""Evidence from the mailbox: the customer's e-mail domains on deals, contacts' addresses,
and the Message-ID of evidence imported from mail.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

All three columns are nullable: deals saved before this revision have no domains, no
addresses and no imported mail.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("domains", sa.JSON()))
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("email", sa.String(320)))
        batch.create_index("ix_contacts_email", ["email"])
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("message_id", sa.String(500)))
        batch.create_index("ix_evidence_message_id", ["message_id"])


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_index("ix_evidence_message_id")
        batch.drop_column("message_id")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index("ix_contacts_email")
        batch.drop_column("email")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("domains")
