"""Two processes writing at once lose nothing, and a writer killed half-way through an
import leaves nothing half written (SQLite in WAL mode, and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from buyersync.store.tables import WORKSPACE_TABLES, deals, evidence
from tests.integration.conftest import deal

ROOT = Path(__file__).resolve().parents[2]


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.integration.workers", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(table)
        for clause in where:
            query = query.where(clause)
        return int(conn.execute(query).scalar_one())


def check_integrity(engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []


def test_two_processes_writing_at_once_lose_nothing(service, db_url, tmp_path):
    shared = service.create(deal(name="shared", evidence=[{"text": "[problem] start"}]))
    go = tmp_path / "go"
    n = 12
    procs = [worker("write", db_url, shared, tag, str(n), str(go)) for tag in ("a", "b")]
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "done" in out
    assert count(service.engine, deals) == 1 + 2 * n
    view = service.get(shared)
    assert [e.position for e in view.evidence] == list(range(1 + 2 * n))
    notes = [e.text for e in view.evidence[1:]]
    assert sorted(notes) == sorted(f"[goal] {t} note {i}" for t in "ab" for i in range(n))
    check_integrity(service.engine)


def test_a_writer_killed_in_the_middle_of_an_import_leaves_nothing_half_written(
        service, db_url):
    before = service.create(deal(name="saved before", evidence=[{"text": "[pain] x"}]))
    proc = worker("import", db_url, "2000")
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the first 500 deals are written, not committed
    assert line.startswith("written"), proc.stderr.read() if proc.stderr else line
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL and "committed" not in rest

    assert count(service.engine, deals) == 1
    assert count(service.engine, evidence, evidence.c.deal_id != before) == 0
    check_integrity(service.engine)
    # the workspace takes writes again at once: no lock was left behind
    service.add_evidence(before, "[goal] after the crash")
    assert service.create(deal(name="after the crash"))
    assert count(service.engine, deals) == 2
    assert sum(count(service.engine, t) for t in WORKSPACE_TABLES) > 0
