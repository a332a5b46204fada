"""Alembic environment: runs on the connection store.db hands over (no alembic.ini needed).

`render_as_batch` lets ALTERs work on SQLite, which rebuilds a table to change it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from buyersync.store.db import full_metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=full_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # for developers running the `alembic` command with -x url=… (e.g. to autogenerate)
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    if not url:
        raise SystemExit(  # text-ok: for developers running alembic by hand
            "pass the database as: alembic -x url=sqlite:///file.sqlite3 …")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit(  # text-ok: for developers running alembic by hand
        "offline (--sql) migrations are not supported; run them on a database")
run_migrations_online()
