"""The terminal's writes are in the audit log like the web's, and `restore --force` says
that it replaced the user accounts, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from buyersync.services.deals import DealService
from buyersync.services.team import hash_password
from buyersync.store import team as team_store

EXE = [sys.executable, "-m", "buyersync.cli"]
DEAL = "name: 审计测试\nlang: zh\nevidence:\n  - {text: 客户发来招标文件}\n"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUYERSYNC_LANG": "en"}
    env.pop("BUYERSYNC_DB", None)
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=120, env=env)


def test_every_write_from_the_terminal_is_audited(tmp_path, db_url):
    path = tmp_path / "deal.yaml"
    path.write_text(DEAL, "utf-8")
    imported = run("deals", "import", str(path), "--db", db_url, "--format", "json")
    assert imported.returncode == 0, imported.stderr
    deal_id = json.loads(imported.stdout)[0]["id"]
    for args in (("evidence", "add", deal_id, "--text", "客户要求报价"),
                 ("deals", "outcome", deal_id, "lost"),
                 ("deals", "delete", deal_id)):
        done = run(*args, "--db", db_url)
        assert done.returncode == 0, (args, done.stderr)
    with DealService(db_url, migrate=False) as service:
        entries = team_store.audit_entries(service.engine, deal_id)
    actions = sorted(e["action"] for e in entries)
    assert actions == ["create", "delete", "evidence", "outcome"]
    assert all(e["username"].startswith("cli:") for e in entries)


def test_restore_force_says_it_replaced_the_accounts_and_audits_it(tmp_path, db_url):
    with DealService(db_url) as service:
        team_store.add_user(service.engine, "alice", hash_password("x" * 12), "seller")
    backup = tmp_path / "empty.jsonl"
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    path = tmp_path / "deal.yaml"
    path.write_text(DEAL, "utf-8")
    assert run("deals", "import", str(path), "--db", source).returncode == 0
    assert run("backup", str(backup), "--db", source).returncode == 0
    refused = run("restore", str(backup), "--db", db_url)
    assert refused.returncode == 2 and "--force" in refused.stderr
    done = run("restore", str(backup), "--force", "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert "user accounts" in done.stderr and "1 before" in done.stderr
    with DealService(db_url, migrate=False) as service:
        assert team_store.get_user(service.engine, "alice") is None
        restores = [e for e in team_store.audit_entries(service.engine, limit=200)
                    if e["action"] == "restore"]
    assert restores and restores[0]["detail"]["users_before"] == 1
    assert restores[0]["detail"]["force"] is True
