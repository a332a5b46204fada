"""`buyersync deals refresh`, `jobs queue …`, `jobs worker` and `jobs list`, run as a user
runs them: inline on a SQLite file, through the queue on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXE = [sys.executable, "-m", "buyersync.cli"]


def run(*args: str, db: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("BUYERSYNC_DB", None)
    return subprocess.run([*EXE, *args, "--db", db] if db else [*EXE, *args], input=stdin,
                          capture_output=True, text=True, timeout=300, env=env)


def ok(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode == 0, p.stderr
    return p.stdout


def _texts(tmp_path: Path) -> Path:
    lines = [{"id": i, "text": t} for i, t in enumerate([
        "The tender closes on 28 October; send the price schedule.",
        "物流中心刘经理说，今年要上新的仓储管理系统。",
        "They asked for a reference customer in cold-chain logistics."])]
    path = tmp_path / "texts.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                    encoding="utf-8")
    return path


def test_on_sqlite_refresh_and_queued_jobs_run_inline(sqlite_url, tmp_path):
    ok(run("deals", "load-demo", db=sqlite_url))
    done = json.loads(ok(run("deals", "refresh", "--format", "json", db=sqlite_url)))
    assert done["queued"] is False
    assert done["result"]["seen"] == 7 and done["result"]["changed"] == 0
    # --queue on SQLite says there is no queue and does the work here
    human = run("deals", "refresh", "--queue", db=sqlite_url)
    assert human.returncode == 0 and "no queue" in human.stderr
    assert "7 deal(s) re-analysed" in human.stdout
    # bulk locating: the same lines as `locate --format jsonl`
    source, out = _texts(tmp_path), tmp_path / "out.jsonl"
    ok(run("jobs", "queue", "locate", str(source), "-o", str(out), db=sqlite_url))
    direct = ok(run("locate", "--format", "jsonl", db="", stdin=source.read_text("utf-8")))
    assert [json.loads(x) for x in out.read_text("utf-8").splitlines()] == [
        json.loads(x) for x in direct.splitlines()]


def test_on_sqlite_the_worker_and_the_list_say_there_is_no_queue(sqlite_url):
    for args in (("jobs", "worker", "--once"), ("jobs", "list")):
        p = run(*args, db=sqlite_url)
        assert p.returncode == 2
        assert p.stderr.count("\n") == 1 and "PostgreSQL" in p.stderr, p.stderr


def test_a_missing_file_is_one_line_and_nothing_is_queued(pg_url, tmp_path):
    p = run("jobs", "queue", "crm", str(tmp_path / "nope.csv"), "--from", "csv", db=pg_url)
    assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr
    assert "no such file" in p.stderr
    assert json.loads(ok(run("jobs", "list", "--format", "json", db=pg_url))) == []


def test_on_postgresql_jobs_wait_in_the_queue_until_a_worker_does_them(pg_url, tmp_path):
    ok(run("deals", "load-demo", db=pg_url))
    queued = json.loads(ok(run("deals", "refresh", "--queue", "--format", "json", db=pg_url)))
    assert queued["queued"] is True and queued["result"] is None
    source, out = _texts(tmp_path), tmp_path / "out.jsonl"
    ok(run("jobs", "queue", "locate", str(source), "--output", str(out), db=pg_url))
    waiting = json.loads(ok(run("jobs", "list", "--format", "json", db=pg_url)))
    assert [(j["task"], j["status"]) for j in waiting] == [
        ("buyersync.locate", "todo"), ("buyersync.refresh_range", "todo")]
    assert not out.exists()
    ok(run("jobs", "worker", "--once", db=pg_url))
    done = json.loads(ok(run("jobs", "list", "--format", "json", db=pg_url)))
    assert [j["status"] for j in done] == ["succeeded", "succeeded"]
    assert all(j["finished_at"] for j in done)
    assert len(out.read_text("utf-8").splitlines()) == 3
    table = ok(run("jobs", "list", db=pg_url))
    assert "refresh" in table and "succeeded" in table


def test_scale_locate_on_two_local_workers_writes_what_locate_writes(tmp_path):
    import pytest

    pytest.importorskip("distributed")
    source, out = _texts(tmp_path), tmp_path / "out.jsonl"
    many = tmp_path / "many.jsonl"
    many.write_text(source.read_text("utf-8") * 40, encoding="utf-8")
    p = run("scale", "locate", str(many), "-w", "2", "--blocksize", "2000", "-o", str(out), db="")
    assert p.returncode == 0, p.stderr
    assert "120 line(s) located" in p.stderr and "2 worker(s)" in p.stderr
    direct = ok(run("locate", "--format", "jsonl", db="", stdin=many.read_text("utf-8")))
    assert [json.loads(x) for x in out.read_text("utf-8").splitlines()] == [
        json.loads(x) for x in direct.splitlines()]
    missing = run("scale", "locate", str(tmp_path / "nope.jsonl"), db="")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1, missing.stderr
