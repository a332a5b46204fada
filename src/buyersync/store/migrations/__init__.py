"""Alembic migrations of the workspace schema, run by `buyersync db upgrade` (store.db.upgrade)."""
