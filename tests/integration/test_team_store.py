"""Team-mode users, the audit log, the team service and the access policy on SQLite and
on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from buyersync.config import Settings
from buyersync.services.team import SignInRefused, TeamService, hash_password
from buyersync.store import team as team_store
from buyersync.web.app import create_app
from tests.e2e.web_support import PASSWORD, SECRET, demo_deal, sign_in
from tests.integration.conftest import deal


def test_users_are_added_found_and_changed_on_each_database(service):
    engine = service.engine
    team_store.add_user(engine, "陈销售", "hash-1", "seller", "华东")
    team_store.add_user(engine, "mona", "hash-2", "manager", "华东")
    team_store.add_user(engine, "陈销售", "hash-3", "manager", None)
    user = team_store.get_user(engine, "陈销售")
    assert user is not None and (user.password_hash, user.role, user.team) == (
        "hash-3", "manager", None)
    assert team_store.team_members(engine, "华东") == {"mona"}
    assert team_store.get_user(engine, "nobody") is None


def test_audit_entries_come_back_newest_first_with_their_detail(service):
    engine = service.engine
    team_store.record(engine, "alice", "create", "d1", name="智慧仓储")
    team_store.record(engine, "alice", "evidence", "d1", stage="value")
    team_store.record(engine, "bob", "create", "d2")
    entries = team_store.audit_entries(engine, "d1")
    assert [(e["action"], e["detail"]) for e in entries] == [
        ("evidence", {"stage": "value"}), ("create", {"name": "智慧仓储"})]


def test_a_seller_cannot_open_another_sellers_deal_on_each_database(service):
    settings = Settings(team=True, secret_key=SECRET)
    for name, team in (("alice", "north"), ("bob", "south")):
        team_store.add_user(service.engine, name, hash_password(PASSWORD), "seller", team)
    with TestClient(create_app(settings, deals=service)) as client:
        sign_in(client, "bob")
        bobs = client.post("/api/v1/deals", json=demo_deal()).json()["id"]
        client.cookies.clear()
        sign_in(client, "alice")
        assert client.get(f"/api/v1/deals/{bobs}").status_code == 403
        assert client.get("/api/v1/deals").json() == []


def test_the_team_service_lists_changes_and_removes_users_on_each_database(service):
    team = TeamService.on(service.engine)
    team.add_user("alice", PASSWORD, "seller", "north", actor="cli:ops")
    team.add_user("bob", PASSWORD, "manager", "north")
    _, token = team.sign_in("alice", PASSWORD, address="10.0.0.1",
                            lifetime=dt.timedelta(hours=1))
    assert team.session_principal("alice", token) is not None
    team.set_password("alice", "a brand new password")
    assert team.session_principal("alice", token) is None  # the old password's session ended
    team.remove_user("bob", actor="cli:ops")
    assert [(u.username, u.active) for u in team.users()] == [("alice", True), ("bob", False)]
    with pytest.raises(SignInRefused):
        team.sign_in("bob", PASSWORD, address="10.0.0.1", lifetime=dt.timedelta(hours=1))
    actions = [(e["username"], e["action"]) for e in team_store.audit_entries(service.engine)]
    assert ("cli:ops", "user_remove") in actions and ("alice", "user_password") not in actions
    assert (None, "user_password") in actions and ("bob", "signin_failed") in actions


def test_what_the_listing_query_returns_is_what_the_policy_lets_each_person_open(service):
    """The access policy's list filter, run as SQL, and its single-deal answer agree."""
    team = TeamService.on(service.engine)
    for name, role, group in (("alice", "seller", "north"), ("bob", "seller", "south"),
                              ("mona", "manager", "north"), ("root", "admin", None)):
        team.add_user(name, PASSWORD, role, group)
    ids = {owner: service.create(deal(name=f"deal of {owner}", owner=owner))
           for owner in ("alice", "bob", "mona", "root", None)}
    for name in ("alice", "bob", "mona", "root"):
        policy = team.policy(team.principal(name))
        for asked in (None, "alice", "bob"):
            scope = policy.deal_scope(asked)
            listed = set() if scope.nothing else {
                s.id for s in service.list(**scope.filters(), limit=None)}
            expected = {i for owner, i in ids.items()
                        if policy.may_view(owner) and asked in (None, owner)}
            assert listed == expected, (name, asked)
