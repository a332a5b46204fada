"""Background jobs: the job queue's tables on PostgreSQL, and `refresh` as a cause of history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

On PostgreSQL the queue is procrastinate's own schema, applied in a schema of its own
(store/jobqueue.py); SQLite has no queue (jobs run inline). A history row written when a
re-analysis after a model or knowledge update moved a deal's stage has the cause
`refresh`.
"""

from __future__ import annotations

from alembic import op

from buyersync.store.jobqueue import apply_queue_schema, drop_queue_schema

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_BEFORE = "cause IN ('evidence', 'manual', 'import')"  # text-ok: SQL, a CHECK condition
_AFTER = "cause IN ('evidence', 'manual', 'import', 'refresh')"  # text-ok: SQL, a CHECK condition


def _causes(condition: str) -> None:
    with op.batch_alter_table("stage_history") as batch:
        batch.drop_constraint("cause", type_="check")
        batch.create_check_constraint("cause", condition)


def upgrade() -> None:
    _causes(_AFTER)
    apply_queue_schema(op.get_bind())


def downgrade() -> None:
    drop_queue_schema(op.get_bind())
    op.execute("DELETE FROM stage_history WHERE cause = 'refresh'")
    _causes(_BEFORE)
