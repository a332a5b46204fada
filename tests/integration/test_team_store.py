"""Team-mode users, the audit log and the access rules on SQLite and on PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from buyersync.config import Settings
from buyersync.store import team as team_store
from buyersync.web.app import create_app
from buyersync.web.auth import hash_password
from tests.e2e.web_support import PASSWORD, SECRET, demo_deal, sign_in


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
