"""The MCP tools' gates ask the access rules (services/team.py AccessPolicy), as the web
and the CLI do: the local gate is the local policy, not a gate of its own that says yes."""

from __future__ import annotations

from buyersync.mcp.server import LocalGate, PolicyGate
from buyersync.services.team import AccessPolicy, Principal


def test_the_local_gate_answers_with_the_local_policy():
    gate = LocalGate()
    assert gate.policy.sees_everything
    assert gate.may_read("anyone") and gate.may_write(None) and gate.may_see_pipeline()
    assert gate.list_filters(None) == {} and gate.list_filters("ana") == {"owner": "ana"}


def test_a_policy_gate_keeps_a_seller_to_their_own_deals_and_records_writes():
    recorded: list[tuple[str, str]] = []
    seller = Principal("ana", "seller", scope="read")
    gate = PolicyGate(AccessPolicy(seller, None), lambda action, deal_id, **_: recorded.append(
        (action, deal_id)))
    assert gate.may_read("ana") and not gate.may_read("bob") and not gate.may_read(None)
    assert not gate.may_write("ana"), "a read-only token writes nothing"
    assert not gate.may_see_pipeline()
    assert gate.list_filters(None) == {"owner": "ana"} and gate.list_filters("bob") is None
    gate.audit("evidence", "d1")
    assert recorded == [("evidence", "d1")]
