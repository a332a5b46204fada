"""The job queue's tables: procrastinate's own schema, kept in a PostgreSQL schema of its
own (`procrastinate`), beside the workspace tables of `public`.

A separate namespace keeps the queue out of the workspace's metadata (backups, the
schema comparison, `db upgrade`'s table checks) and lets a downgrade drop it whole.
procrastinate's functions and triggers name their tables without a schema, so every
connection that works the queue sets `search_path` to this schema (`queue_conninfo`).
SQLite has no queue: jobs run inline there (services/jobs.py).

The schema applied is the one the installed procrastinate ships; pyproject pins a range
of releases with one schema (no migration files between them). A release that changes
it comes with a migration here that applies procrastinate's delta files.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL, make_url

QUEUE_SCHEMA = "procrastinate"
#: procrastinate's queue name for buyersync's jobs
QUEUE = "buyersync"


def has_queue(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def apply_queue_schema(conn: Connection) -> None:
    """Create procrastinate's tables, types and functions in their own schema (PostgreSQL;
    nothing on SQLite), in the caller's transaction."""
    if not has_queue(conn):
        return
    from procrastinate.schema import SchemaManager

    path = conn.execute(text("SELECT current_setting('search_path')")).scalar_one()
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
    conn.exec_driver_sql(f"SET LOCAL search_path TO {QUEUE_SCHEMA}")
    # the driver reads `%` as a placeholder; the script's RAISE messages hold literal ones
    conn.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    conn.execute(text("SELECT set_config('search_path', :path, true)"), {"path": path})


def drop_queue_schema(conn: Connection) -> None:
    if has_queue(conn):
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {QUEUE_SCHEMA} CASCADE")


def queue_conninfo(url: URL | str) -> str:
    """A libpq connection string for procrastinate's psycopg pool from a workspace URL,
    with the queue's schema first on the search path."""
    parsed = make_url(url) if isinstance(url, str) else url
    parts: dict[str, Any] = {"host": parsed.host, "port": parsed.port, "user": parsed.username,
                             "password": parsed.password, "dbname": parsed.database}
    for key, value in parsed.query.items():
        parts[key] = value if isinstance(value, str) else value[-1]
    parts["options"] = f"-c search_path={QUEUE_SCHEMA}"
    from psycopg.conninfo import make_conninfo

    return make_conninfo("", **{k: v for k, v in parts.items() if v is not None})


class QueuedJob(BaseModel):
    """A job as `jobs list` shows it."""

    id: int
    task: str
    status: str
    attempts: int
    args: dict[str, Any]
    queued_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    worker_id: int | None = None


def list_jobs(engine: Engine, *, status: str | None = None, limit: int = 50) -> list[QueuedJob]:
    """The newest jobs of buyersync's queue (with when each was queued and finished)."""
    query = text(f"""
        SELECT j.id, j.task_name, j.status::text AS status, j.attempts, j.args, j.worker_id,
               (SELECT min(e.at) FROM {QUEUE_SCHEMA}.procrastinate_events e
                 WHERE e.job_id = j.id AND e.type = 'deferred') AS queued_at,
               (SELECT max(e.at) FROM {QUEUE_SCHEMA}.procrastinate_events e
                 WHERE e.job_id = j.id AND e.type IN ('succeeded', 'failed', 'cancelled',
                                                       'aborted')) AS finished_at
          FROM {QUEUE_SCHEMA}.procrastinate_jobs j
         WHERE j.queue_name = :queue AND (CAST(:status AS text) IS NULL
                                          OR j.status::text = CAST(:status AS text))
         ORDER BY j.id DESC
         LIMIT :limit""")
    with engine.connect() as conn:
        rows = conn.execute(query, {"queue": QUEUE, "status": status, "limit": limit}).all()
    return [QueuedJob(id=r.id, task=r.task_name, status=r.status, attempts=r.attempts,
                      args=r.args, queued_at=r.queued_at, finished_at=r.finished_at,
                      worker_id=r.worker_id) for r in rows]


def job_events(engine: Engine) -> list[tuple[int, str]]:
    """Every (job id, event type) of buyersync's queue, oldest first (for checks)."""
    query = text(f"""
        SELECT e.job_id, e.type::text FROM {QUEUE_SCHEMA}.procrastinate_events e
          JOIN {QUEUE_SCHEMA}.procrastinate_jobs j ON j.id = e.job_id
         WHERE j.queue_name = :queue ORDER BY e.id""")
    with engine.connect() as conn:
        return [(int(r[0]), str(r[1])) for r in conn.execute(query, {"queue": QUEUE})]
