"""Schemathesis drives the whole API from its own OpenAPI document, in process, in local and
in team mode (signed in as a seller), on SQLite and on a real PostgreSQL: no input it can
think of may make the server fail (a 500). Bounded here (a few examples per operation and
mode); `bench/fuzz_api.py` runs the same with many more and prints the figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from buyersync.config import Settings
from buyersync.method.model import Deal
from buyersync.services.team import hash_password
from buyersync.store import team as team_store
from buyersync.web.app import create_app
from buyersync.web.session import COOKIE
from tests.e2e.web_support import PASSWORD, SECRET, demo_deal, sign_in

EXAMPLES = 8


@dataclass
class Figures:
    operations: int = 0
    calls: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_status.items()))
        unique = len(set(self.server_errors))
        return (f"{self.operations} operations, {self.calls} calls ({statuses}); "
                f"server errors: {len(self.server_errors)} ({unique} unique)")


def fuzz_app(db_url: str, *, team: bool) -> tuple[FastAPI, dict[str, str]]:
    """An app on `db_url` holding the demo deal as `demo`, and the cookies to call it with
    (team mode: signed in as the deal's owner, a seller)."""
    # the in-process client calls itself "testserver"
    options: dict[str, Any] = {"db": db_url, "team": team, "allowed_hosts": "testserver"}
    if team:
        options["secret_key"] = SECRET
    app = create_app(Settings(**options))
    owner = None
    cookies: dict[str, str] = {}
    if team:
        team_store.add_user(app.state.ctx.engine, "alice", hash_password(PASSWORD), "seller",
                            "north")
        owner = "alice"
        client = TestClient(app)
        sign_in(client, "alice")
        cookies = {COOKIE: str(client.cookies.get(COOKIE))}
    app.state.ctx.deals.create(Deal.model_validate(demo_deal() | {"id": "demo", "owner": owner}))
    return app, cookies


def fuzz(app: FastAPI, cookies: dict[str, str], examples: int = EXAMPLES) -> Figures:
    """Every operation, in positive and negative generation, `examples` cases each."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    figures = Figures()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                response = case.call(cookies=cookies)
                figures.calls += 1
                status = response.status_code
                figures.by_status[status] = figures.by_status.get(status, 0) + 1
                if status >= 500:
                    figures.server_errors.append(f"{case.operation.label} → {status}: "
                                                 f"{response.text[:200]}")

            try:
                call()
            except Unsatisfiable:  # no negative case exists for this operation
                continue
    return figures


@pytest.fixture(params=["local", "team"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fuzzed(db_url: str, mode: str) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    app, cookies = fuzz_app(db_url, team=mode == "team")
    yield app, cookies
    app.state.ctx.engine.dispose()


def test_no_generated_request_makes_the_api_fail_in_either_mode_on_either_database(fuzzed):
    app, cookies = fuzzed
    figures = fuzz(app, cookies)
    assert figures.calls > 10 * figures.operations, figures.line()
    assert not figures.server_errors, "\n".join(sorted(set(figures.server_errors)))
    # the seller reached the deals (not only 401s): team-mode calls were signed in
    assert sum(n for status, n in figures.by_status.items() if status < 400) > 0
