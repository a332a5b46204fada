"""`buyersync serve` and `buyersync users add`, run as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from buyersync.store import team as team_store
from buyersync.store.db import make_engine


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("BUYERSYNC_")}
    return subprocess.run([sys.executable, "-m", "buyersync.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=base | (env or {}))


def test_serve_in_local_mode_refuses_to_listen_beyond_this_computer(tmp_path):
    done = run("serve", "--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "refusing to listen on 0.0.0.0" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


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
