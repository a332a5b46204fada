"""Stateless workers against one PostgreSQL (the test starts a real one, and real
servers): a session opened on one server is good on another and ends there for both,
the sign-in limit counts failures made on either, and `serve --workers 2` runs two
worker processes that share sessions through the database alone."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SECRET = "worker-test-secret-key-that-is-long-enough-0123"
PASSWORD = "correct horse battery"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def team_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUYERSYNC_")}
    return env | {"BUYERSYNC_SECRET_KEY": SECRET}


def start(db: str, log: Path, *extra: str) -> Server:
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "buyersync.cli", "serve", "--team", "--no-demo", "--port",
             str(port), "--db", db, *extra], stdout=out, stderr=subprocess.STDOUT, env=team_env())
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return Server(url, process)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start in time: {log.read_text()}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=20)


@pytest.fixture
def servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two servers on one PostgreSQL workspace (two machines behind one address); the
    second runs two worker processes itself."""
    added = subprocess.run(
        [sys.executable, "-m", "buyersync.cli", "users", "add", "alice", "--password-stdin",
         "--db", pg_url], input=PASSWORD + "\n", capture_output=True, text=True, timeout=120,
        env=team_env())
    assert added.returncode == 0, added.stderr
    first = start(pg_url, tmp_path / "first.log")
    try:
        second = start(pg_url, tmp_path / "second.log", "--workers", "2")
    except Exception:
        stop(first)
        raise
    yield first, second
    stop(second)
    stop(first)


def csrf(client: httpx.Client) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert found
    return found.group(1)


def sign_in(client: httpx.Client, password: str = PASSWORD, token: str | None = None) -> int:
    answer = client.post("/signin", data={"username": "alice", "password": password,
                                          "csrf_token": token or csrf(client), "next": "/"})
    return answer.status_code


def test_a_session_opened_on_one_server_holds_on_the_other_and_ends_for_both(servers):
    first, second = servers
    with httpx.Client(base_url=first.url) as on_first:
        assert sign_in(on_first) == 303
        cookies = dict(on_first.cookies)
        assert on_first.get("/").status_code == 200
    # a fresh connection each time: the second server's two workers take turns
    for _ in range(12):
        with httpx.Client(base_url=second.url, cookies=cookies) as on_second:
            assert on_second.get("/").status_code == 200, "signed in on every worker"
    with httpx.Client(base_url=second.url, cookies=cookies) as on_second:
        page = on_second.get("/").text
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
        assert token
        ended = on_second.post("/signout", data={"csrf_token": token.group(1)})
        assert ended.status_code == 303
    with httpx.Client(base_url=first.url, cookies=cookies) as on_first:
        assert on_first.get("/").status_code == 303, "the copied cookie's session is over"


def test_the_sign_in_limit_counts_failures_on_every_server(servers):
    first, second = servers
    with httpx.Client(base_url=first.url) as one, httpx.Client(base_url=second.url) as other:
        for i in range(5):  # five failures, made alternately on each server
            assert sign_in(one if i % 2 else other, password="wrong password 1") == 401
        assert sign_in(one) == 429, "the right password is refused now, on either server"
        assert sign_in(other) == 429


def test_serve_with_two_workers_runs_two_processes(servers):
    _, second = servers
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(second.process.pid)],
                              capture_output=True, text=True).stdout.split()
    assert len(children) >= 2, "the supervisor and its two workers"
