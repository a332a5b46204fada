"""`buyersync serve` and `buyersync users`, run as a person runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import select

from buyersync.services.team import verify_password
from buyersync.store import team as team_store
from buyersync.store.db import make_engine
from tests.e2e.web_support import first_answer


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("BUYERSYNC_")}
    return subprocess.run([sys.executable, "-m", "buyersync.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=base | (env or {}))


def test_serve_in_local_mode_refuses_to_listen_beyond_this_computer(tmp_path):
    done = run("serve", "--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "refusing to listen on 0.0.0.0" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_loads_the_demo_into_the_workspace_its_workers_serve(tmp_path, workers):
    """One wiring (web/app.py `workspace`, `create_app`) for one worker and for several:
    the demo deals `serve` loads are the ones every worker's app lists."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    base = {k: v for k, v in os.environ.items() if not k.startswith("BUYERSYNC_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "buyersync.cli", "serve", "--port", str(port), "--db", db,
         "--demo", "--workers", workers], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env=base)
    try:
        listed = first_answer(server, f"http://127.0.0.1:{port}/api/v1/deals")
        assert listed.status_code == 200
        names = {d["name"] for d in listed.json()}
        from buyersync.services.demo import demo_deals

        assert names == {d.name for d in demo_deals()}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_in_team_mode_needs_a_secret_key(tmp_path):
    done = run("serve", "--team", "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}")
    assert done.returncode == 2
    assert "BUYERSYNC_SECRET_KEY" in done.stderr and done.stderr.count("\n") == 1


def test_users_add_stores_only_an_argon2_hash_of_the_password(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    done = run("users", "add", "mona", "--role", "manager", "--team", "north",
               "--password-stdin", "--db", db, stdin="a long enough secret\n")
    assert done.returncode == 0, done.stderr
    engine = make_engine(db)
    try:
        user = team_store.get_user(engine, "mona")
        with engine.connect() as conn:
            raw = conn.execute(select(team_store.users.c.password_hash)).scalar_one()
    finally:
        engine.dispose()
    assert user is not None and (user.role, user.team) == ("manager", "north")
    assert raw.startswith("$argon2") and "a long enough secret" not in raw


def test_users_add_refuses_a_short_password(tmp_path):
    done = run("users", "add", "sam", "--password-stdin",
               "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}", stdin="short\n")
    assert done.returncode == 2 and "8 or more characters" in done.stderr


def test_users_are_listed_removed_and_given_a_new_password_through_the_team_service(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    for name in ("mona", "sam"):
        added = run("users", "add", name, "--password-stdin", "--db", db,
                    stdin="a long enough secret\n")
        assert added.returncode == 0, added.stderr
    removed = run("users", "remove", "sam", "--db", db, env={"BUYERSYNC_LANG": "zh"})
    assert removed.returncode == 0 and "已移除用户 sam" in removed.stdout
    listed = json.loads(run("users", "list", "--format", "json", "--db", db).stdout)
    assert [(u["username"], u["active"]) for u in listed] == [("mona", True), ("sam", False)]
    changed = run("users", "password", "mona", "--password-stdin", "--db", db,
                  stdin="another long secret\n")
    assert changed.returncode == 0, changed.stderr
    engine = make_engine(db)
    try:
        user = team_store.get_user(engine, "mona")
        actions = [(e["action"], e["detail"].get("user")) for e in team_store.audit_entries(engine)]
    finally:
        engine.dispose()
    assert user is not None and verify_password(user.password_hash, "another long secret")
    assert ("user_remove", "sam") in actions and ("user_password", "mona") in actions
    unknown = run("users", "remove", "nobody", "--db", db)
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1
