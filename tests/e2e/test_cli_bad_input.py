"""Input that used to end in "internal error" (exit 1), a hang or a gigabyte of memory: now
each is exit 2 and one line naming the file and what was wrong, on SQLite and on a real
PostgreSQL where a workspace is involved."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from buyersync.store.db import make_engine

EXE = [sys.executable, "-m", "buyersync.cli"]
DEAL = ("name: 测试交易\nlang: zh\nevidence:\n  - {text: 客户发来招标文件, date: 2026-03-01}\n"
        "contacts:\n  - {name: 陈总, role: economic_buyer}\n")


def run(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUYERSYNC_LANG": "en", "COLUMNS": "200"}
    env.pop("BUYERSYNC_DB", None)
    return subprocess.run([*EXE, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=env)


def refused(p: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, nothing on standard output, one line on standard error with `words`."""
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "internal error" not in lines[0] and "Traceback" not in p.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def alias_bomb(levels: int = 10) -> str:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        rows.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join([*rows, "name: bomb", f"competitors: *{chr(ord('a') + levels - 1)}"]) + "\n"


FILES = {
    "no-such-day.yaml": ("name: x\nevidence:\n  - {text: hi, date: 2026-02-30}\n", "date"),
    "huge-int.yaml": ("name: x\namount: " + "9" * 5000 + "\n", "4,300 digits"),
    "huge-int.json": ('{"name": "x", "amount": ' + "9" * 5000 + "}", "4,300 digits"),
    "deep.json": ("[" * 100_000 + "]" * 100_000, "deep"),
    "deep-field.json": ('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", "deep"),
    "deep.yaml": ("name: " + "[" * 100_000 + "]" * 100_000 + "\n", "deep"),
    "bomb.yaml": (alias_bomb(), "aliases"),
    "infinite.yaml": ("name: x\namount: .inf\n", "amount"),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_deal_file_with_an_impossible_value_is_exit_2_with_one_line(tmp_path, name):
    content, word = FILES[name]
    path = tmp_path / name
    path.write_text(content, "utf-8")
    refused(run("analyze", str(path), "--format", "json"), name, word)
    if name in ("no-such-day.yaml", "deep.json"):  # the workspace reads files the same way
        db = f"sqlite:///{tmp_path / 'w.sqlite3'}"
        refused(run("deals", "import", str(path), "--db", db), name, word)


def test_an_alias_bomb_is_refused_before_it_grows(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(12), "utf-8")  # 9**12 values once expanded
    refused(run("analyze", str(path), timeout=30), "aliases")


def test_importing_from_a_fifo_is_refused_at_once_instead_of_hanging(tmp_path):
    fifo = tmp_path / "deal.fifo"
    os.mkfifo(fifo)
    refused(run("deals", "import", str(fifo), "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}",
                timeout=30), "deal.fifo", "'-'")


def test_a_map_file_that_is_not_utf8_is_exit_2(tmp_path):
    (tmp_path / "map.yaml").write_bytes(b"columns:\n  \xff\xfe: name\n")
    (tmp_path / "crm.csv").write_text("Name\nx\n", "utf-8")
    refused(run("deals", "import-crm", str(tmp_path / "crm.csv"), "--from", "csv",
                "--map", str(tmp_path / "map.yaml"),
                "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}"), "map.yaml", "UTF-8")


def test_a_db_file_that_is_not_a_database_is_exit_2(tmp_path):
    for content in (b"garbage\n", os.urandom(8192)):
        (tmp_path / "not.sqlite3").write_bytes(content)
        refused(run("deals", "list", "--db", f"sqlite:///{tmp_path / 'not.sqlite3'}"),
                "--db", "not a database")


def test_a_backup_onto_a_folder_is_exit_2(tmp_path, db_url):
    (tmp_path / "folder").mkdir()
    refused(run("backup", str(tmp_path / "folder"), "--db", db_url), "folder")
    assert list((tmp_path / "folder").iterdir()) == []


def _backup_lines(tmp_path: Path, db_url: str) -> list[str]:
    deal = tmp_path / "deal.yaml"
    deal.write_text(DEAL, "utf-8")
    assert run("deals", "import", str(deal), "--db", db_url).returncode == 0
    out = tmp_path / "good.jsonl"
    done = run("backup", str(out), "--db", db_url)
    assert done.returncode == 0, done.stderr
    return out.read_text("utf-8").splitlines()


@pytest.mark.parametrize("damage", ["duplicate", "dangling", "deep", "huge-int"])
def test_restoring_a_damaged_backup_is_exit_2_and_restores_nothing(tmp_path, db_url, damage,
                                                                   pg_server):
    lines = _backup_lines(tmp_path, db_url)
    if damage == "duplicate":
        at = next(i for i, line in enumerate(lines) if json.loads(line).get("t") == "deals")
        lines.insert(at, lines[at])
    elif damage == "dangling":
        at = next(i for i, line in enumerate(lines) if json.loads(line).get("t") == "contacts")
        row = json.loads(lines[at])
        row["r"]["deal_id"] = "no-such-deal"
        row["r"]["id"] = "new-contact-id"
        lines.insert(at + 1, json.dumps(row))
        end = json.loads(lines[-1])
        end["counts"]["contacts"] += 1
        lines[-1] = json.dumps(end)
    elif damage == "deep":
        lines.insert(1, "[" * 100_000 + "]" * 100_000)
    else:
        lines.insert(1, '{"t": "deals", "r": {"id": ' + "9" * 5000 + "}}")
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(lines) + "\n", "utf-8")
    target = (pg_server.url(pg_server.create_database()) if db_url.startswith("postgresql")
              else f"sqlite:///{tmp_path / 'target.sqlite3'}")
    line = refused(run("restore", str(damaged), "--db", target), "damaged.jsonl")
    assert "SQL" not in line and "INSERT" not in line
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM deals")).scalar() == 0
    finally:
        engine.dispose()


def test_an_old_row_with_an_infinite_amount_shows_as_valid_json(tmp_path, db_url):
    deal = tmp_path / "deal.yaml"
    deal.write_text(DEAL + "amount: 1000\n", "utf-8")
    imported = run("deals", "import", str(deal), "--db", db_url, "--format", "json")
    deal_id = json.loads(imported.stdout)[0]["id"]
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:  # as a version before this one could have saved it
            conn.execute(text("UPDATE deals SET amount = :inf"), {"inf": float("inf")})
    finally:
        engine.dispose()
    for args in (("deals", "show", deal_id), ("deals", "list")):
        shown = run(*args, "--db", db_url, "--format", "json")
        assert shown.returncode == 0, shown.stderr
        assert "Infinity" not in shown.stdout
        json.loads(shown.stdout)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_serve_on_the_bracketed_ipv6_loopback_answers(tmp_path):
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([*EXE, "serve", "--host", "[::1]", "--port", str(port),
                               "--db", f"sqlite:///{tmp_path / 'w.sqlite3'}", "--no-demo"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import httpx

        from tests.e2e.web_support import first_answer

        got = first_answer(server, f"http://[::1]:{port}/healthz")
        assert got.status_code == 200
        rebound = httpx.get(f"http://[::1]:{port}/api/v1/deals",
                            headers={"host": "evil.example"}, timeout=30)
        assert rebound.status_code == 421
    finally:
        server.terminate()
        server.wait(timeout=30)
