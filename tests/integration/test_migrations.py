"""The schema is created from empty and migrated down and up, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from buyersync.store import db
from buyersync.store.tables import WORKSPACE_TABLES


def table_names(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_workspace_table_from_an_empty_database(db_url):
    assert db.upgrade(db_url) == db.head_revision()
    assert {t.name for t in WORKSPACE_TABLES} <= table_names(db_url)


def test_migrations_create_exactly_the_tables_the_code_describes(db_url):
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            metadata = db.full_metadata()
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "target_metadata": metadata})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again_leaves_a_working_schema(db_url):
    db.upgrade(db_url)
    assert db.downgrade(db_url, "base") is None
    assert not ({t.name for t in WORKSPACE_TABLES} & table_names(db_url))
    assert db.upgrade(db_url) == db.head_revision()
    assert {t.name for t in WORKSPACE_TABLES} <= table_names(db_url)


def test_upgrading_twice_changes_nothing(db_url):
    db.upgrade(db_url)
    assert db.upgrade(db_url) == db.head_revision()


def test_upgrade_walks_from_each_revision_to_the_next(db_url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "buyersync.store:migrations")
    revisions = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    for revision in reversed(revisions):  # oldest first
        assert db.upgrade(db_url, revision) == revision
    for i, revision in enumerate(revisions[1:], 1):  # and back down, one step at a time
        assert db.downgrade(db_url, revision) == revision, i


def test_the_quick_head_check_agrees_with_alembic():
    assert db.shipped_head() == db.head_revision()


def test_a_new_workspace_is_migrated_on_first_use(db_url):
    from buyersync.services.deals import DealService

    with DealService(db_url) as service:
        assert db.current_revision(service.engine) == db.head_revision()
        assert service.count() == 0
