"""Shared set-up for the web tests: apps on a temp SQLite workspace, team users, sign-in."""

from __future__ import annotations

import json
import re
import subprocess
import time
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from buyersync.config import Settings
from buyersync.services.team import hash_password
from buyersync.store import team as team_store
from buyersync.web.app import create_app

SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"
USERS = {  # name: (role, team)
    "alice": ("seller", "north"),
    "bob": ("seller", "south"),
    "mona": ("manager", "north"),
    "root": ("admin", None),
}
MOVE_TO_VALUE = "总经理陈总亲自过问了，要我们算清楚投资回报和战略价值"


def demo_deal() -> dict[str, Any]:
    text = resources.files("buyersync").joinpath("demo", "surprise-tender.yaml").read_text("utf-8")
    data: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(text), default=str))
    return data


def local_app(tmp_path: Path) -> FastAPI:
    # the test client calls itself "testserver": a configured name, as a real one would be
    return create_app(Settings(db=f"sqlite:///{tmp_path / 'w.sqlite3'}", team=False,
                               allowed_hosts="testserver"))


def team_app(tmp_path: Path) -> FastAPI:
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 'w.sqlite3'}", team=True,
                              secret_key=SECRET))
    engine = app.state.ctx.engine
    for name, (role, team) in USERS.items():
        team_store.add_user(engine, name, hash_password(PASSWORD), role, team)
    return app


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/signin").text)
    return client.post("/signin", data={"username": name, "password": password,
                                        "csrf_token": token, "next": "/"},
                       follow_redirects=False)


def first_answer(server: subprocess.Popen[bytes], url: str, timeout: float = 120,
                 **request: Any) -> httpx.Response:
    """The first answer a starting `buyersync serve` gives to GET `url`, asked again until it
    listens (failing if the server stops, or does not start within `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=10, **request)
        except httpx.TransportError:
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
