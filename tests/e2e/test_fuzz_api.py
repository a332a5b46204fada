"""Schemathesis drives the API from its own OpenAPI document, in process: no input it can
think of may make the server fail (a 500). Bounded: a few examples per operation."""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from buyersync.config import Settings
from buyersync.method.model import Deal
from buyersync.web.app import create_app
from tests.e2e.web_support import demo_deal

BUDGET_SECONDS = 50
_started: list[float] = []

# An in-memory workspace: nothing to clean up. (schemathesis' fixture-based loader does
# not work with this pytest yet, so the app is made when the module loads.)
app = create_app(Settings(db="sqlite://", team=False))
# a saved deal with a known id, so that some generated calls reach a real deal
app.state.ctx.deals.create(Deal.model_validate(demo_deal() | {"id": "demo"}))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
# inputs that break the schema as well as ones that fit it: bad input must be a 422
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                deterministic=True, database="none")


@schema.parametrize()
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_makes_the_api_fail(case):
    if not _started:
        _started.append(time.monotonic())
    if time.monotonic() - _started[0] > BUDGET_SECONDS:
        pytest.skip("fuzzing time budget spent")
    case.call_and_validate(checks=[not_a_server_error])
