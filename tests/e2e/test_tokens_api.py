"""Personal API tokens through the JSON API (team mode): made by a signed-in person and
shown once, listed without secrets, revoked by their owner or an admin, audited."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from buyersync.store import team as team_store
from tests.e2e.web_support import local_app, sign_in, team_app


def signed_in(app, name: str) -> TestClient:
    client = TestClient(app)
    assert sign_in(client, name).status_code == 303
    return client


def test_a_token_is_shown_once_listed_without_its_secret_and_revoked_by_its_owner(tmp_path: Path):
    app = team_app(tmp_path)
    alice = signed_in(app, "alice")
    made = alice.post("/api/v1/tokens", json={"name": "desktop assistant", "scope": "write"})
    assert made.status_code == 201
    secret = made.json()["token"]
    assert secret.startswith("bsk_")
    listed = alice.get("/api/v1/tokens").json()
    assert [t["id"] for t in listed] == [made.json()["id"]]
    assert secret not in str(listed) and "token" not in listed[0]
    bearer = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    assert bearer.get("/api/v1/deals").status_code == 200
    assert bearer.post("/api/v1/tokens", json={"name": "another"}).status_code == 403
    assert alice.delete(f"/api/v1/tokens/{made.json()['id']}").json()["revoked_at"]
    assert bearer.get("/api/v1/deals").status_code == 401
    actions = [e["action"] for e in team_store.audit_entries(app.state.ctx.engine)]
    assert {"token_create", "token_revoke"} <= set(actions)


def test_only_the_owner_or_an_admin_may_revoke_a_token(tmp_path: Path):
    app = team_app(tmp_path)
    made = signed_in(app, "alice").post("/api/v1/tokens", json={"name": "phone"}).json()
    assert made["scope"] == "read"
    bob = signed_in(app, "bob")
    assert bob.delete(f"/api/v1/tokens/{made['id']}").status_code == 404
    assert bob.get("/api/v1/tokens", params={"all": "true"}).status_code == 403
    root = signed_in(app, "root")
    assert [t["id"] for t in root.get("/api/v1/tokens", params={"all": "true"}).json()] == [made["id"]]
    assert root.delete(f"/api/v1/tokens/{made['id']}").status_code == 200


def test_a_bad_token_request_is_422_and_local_mode_has_no_tokens(tmp_path: Path):
    alice = signed_in(team_app(tmp_path), "alice")
    assert alice.post("/api/v1/tokens", json={"name": "x", "scope": "admin"}).status_code == 422
    assert alice.post("/api/v1/tokens", json={"name": ""}).status_code == 422
    (tmp_path / "local").mkdir()
    local = TestClient(local_app(tmp_path / "local"))
    assert local.post("/api/v1/tokens", json={"name": "x"}).status_code == 422


def test_mcp_answers_after_each_start_of_the_app(tmp_path: Path):
    app = team_app(tmp_path)
    made = signed_in(app, "alice").post("/api/v1/tokens", json={"name": "desktop"}).json()
    ask = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Authorization": f"Bearer {made['token']}", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-06-18"}
    for _ in range(2):  # the lifespan runs again: a fresh session manager each time
        with TestClient(app) as client:
            answer = client.post("/mcp", json=ask, headers=headers)
            assert answer.status_code == 200, answer.text
            assert "add_evidence" in answer.text
