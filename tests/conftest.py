"""Shared test helpers: builders that keep tests short, and the dev corpus when it is present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from buyersync.method.model import Deal

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"

ALL_BEFORE = ["problem", "pain", "goal", "requirements", "measures", "solution", "value", "risk"]


def make_deal(stage: str | None = "solution", shaped_by: str | None = "competitor",
              **fields: Any) -> Deal:
    """A deal at `stage` whose passed stages were all shaped by `shaped_by` (None: not stated)."""
    data: dict[str, Any] = {"name": "Test deal", "lang": "en", "stage": stage}
    if stage and shaped_by:
        data["drivers"] = {s: shaped_by for s in ALL_BEFORE[: ALL_BEFORE.index(stage)]
                           } if stage != "cost" else {s: shaped_by for s in ALL_BEFORE}
    data.update(fields)
    return Deal.model_validate(data)


@pytest.fixture(autouse=True)
def _pinned_language_and_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in English and UTC whatever the machine's locale (LANG=zh_CN.UTF-8
    included); a test that wants Chinese sets BUYERSYNC_LANG or passes lang itself.
    Subprocesses inherit the pinned environment."""
    for name in ("BUYERSYNC_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "BUYERSYNC_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("TZ", "UTC")
    from buyersync.cli.common import cli_settings

    cli_settings.cache_clear()


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the development corpus (../shared/corpus) is not beside this clone")
    return CORPUS


# The database fixtures (db_url over SQLite and a real PostgreSQL, pg_server, …) live in
# tests/pg.py; imported here so that both the integration and the e2e tests see them.
from tests.pg import db_url, pg_server, pg_url, sqlite_url  # noqa: E402, F401
