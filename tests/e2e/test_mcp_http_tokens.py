"""`buyersync serve` with MCP at /mcp and personal API tokens, as a running server: an
assistant with a token lists tools, analyses a deal, adds evidence and reads it back; no
token, a bad one, a revoked one or a read-only one for a write is refused; local mode
needs no token on this computer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.e2e.test_browser import Server, clean_env, cli, start, stop

SECRET = "test-secret-key-that-is-long-enough-0123456789"
TENDER = {"name": "综合体设计招标", "lang": "zh", "stage": "solution",
          "drivers": {"problem": "competitor"}}


def mcp_call(url: str, token: str | None, steps: Any) -> Any:
    async def main() -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http, \
                Client(streamable_http_client(url + "/mcp", http_client=http)) as client:
            return await steps(client)
    return anyio.run(main)


@pytest.fixture
def team(tmp_path: Path):
    env = {**clean_env(), "BUYERSYNC_SECRET_KEY": SECRET, "BUYERSYNC_LANG": "en"}
    db = f"sqlite:///{tmp_path / 'workspace.sqlite3'}"
    for name, role in (("ann", "seller"), ("root", "admin")):
        done = cli("users", "add", name, "--role", role, "--password-stdin", "--db", db,
                   env=env, stdin="correct horse battery\n")
        assert done.returncode == 0, done.stderr
    server = start(tmp_path, "--team", env=env)
    yield server
    stop(server)


def token(server: Server, user: str, scope: str) -> dict[str, Any]:
    done = cli("tokens", "create", user, "--name", "assistant", "--scope", scope, "--db",
               server.db, "--format", "json", env=server.env)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_an_assistant_with_a_write_token_works_on_its_own_deal(team: Server):
    write = token(team, "ann", "write")["token"]
    created = httpx.post(team.url + "/api/v1/deals", json={**TENDER, "owner": "ann"},
                         headers={"Authorization": f"Bearer {write}"})
    assert created.status_code == 201, created.text
    deal_id = created.json()["id"]

    async def steps(client: Client) -> tuple[Any, ...]:
        return (await client.list_tools(),
                await client.call_tool("analyze_deal", {"deal_id": deal_id}),
                await client.call_tool("add_evidence", {"deal_id": deal_id,
                                                        "text": "集团副总裁下周会参加评审，关心投资回报。"}),
                await client.call_tool("get_deal", {"deal_id": deal_id}))

    tools, analysis, added, shown = mcp_call(team.url, write, steps)
    assert "add_evidence" in {t.name for t in tools.tools}
    api = httpx.get(f"{team.url}/api/v1/deals/{deal_id}",
                    headers={"Authorization": f"Bearer {write}"}).json()
    assert not added.is_error
    deal = json.loads(shown.content[0].text)
    assert deal["evidence"][-1]["text"] == "集团副总裁下周会参加评审，关心投资回报。"
    assert deal["analysis"] == api["analysis"] == json.loads(added.content[0].text)
    assert json.loads(analysis.content[0].text)["lang"] == "zh"
    audit = cli("tokens", "list", "--user", "ann", "--db", team.db, "--format", "json",
                env=team.env)
    assert json.loads(audit.stdout)[0]["last_used_at"] is not None


def test_without_a_valid_token_mcp_and_the_api_refuse(team: Server):
    for headers in ({}, {"Authorization": "Bearer bsk_not-a-real-token"}):
        answer = httpx.post(team.url + "/mcp", headers={**headers, "Accept": "application/json"},
                            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert httpx.get(team.url + "/api/v1/deals", headers=headers).status_code == 401


def test_a_read_token_reads_but_cannot_write(team: Server):
    write, read = token(team, "ann", "write")["token"], token(team, "ann", "read")["token"]
    deal_id = httpx.post(team.url + "/api/v1/deals", json={**TENDER, "owner": "ann"},
                         headers={"Authorization": f"Bearer {write}"}).json()["id"]
    as_reader = {"Authorization": f"Bearer {read}"}
    assert httpx.get(f"{team.url}/api/v1/deals/{deal_id}", headers=as_reader).status_code == 200
    refused = httpx.post(f"{team.url}/api/v1/deals/{deal_id}/evidence", headers=as_reader,
                         json={"text": "客户发来招标书"})
    assert refused.status_code == 403

    async def steps(client: Client) -> Any:
        return await client.call_tool("add_evidence", {"deal_id": deal_id, "text": "客户发来招标书"})

    result = mcp_call(team.url, read, steps)
    assert result.is_error and "read" in result.content[0].text
    evidence = httpx.get(f"{team.url}/api/v1/deals/{deal_id}", headers=as_reader).json()
    assert evidence.get("evidence", []) == []


def test_a_revoked_token_stops_working_at_once(team: Server):
    made = token(team, "ann", "read")
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert httpx.get(team.url + "/api/v1/deals", headers=headers).status_code == 200
    done = cli("tokens", "revoke", made["id"], "--db", team.db, env=team.env)
    assert done.returncode == 0, done.stderr
    assert httpx.get(team.url + "/api/v1/deals", headers=headers).status_code == 401
    assert cli("tokens", "revoke", "no-such-token", "--db", team.db, env=team.env).returncode == 2


def test_local_mode_serves_mcp_on_loopback_without_a_token(tmp_path: Path):
    server = start(tmp_path, env=clean_env())
    try:
        async def steps(client: Client) -> Any:
            return await client.call_tool("find_deals", {})

        found = mcp_call(server.url, None, steps)
        assert not found.is_error
        api = httpx.get(server.url + "/api/v1/deals?limit=1000").json()
        assert json.loads(found.content[0].text) == api
        rebinding = httpx.post(server.url + "/mcp", headers={"Host": "evil.example",
                                                             "Accept": "application/json"},
                               json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert rebinding.status_code in (403, 421)
    finally:
        stop(server)
