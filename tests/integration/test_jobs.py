"""Background jobs: `refresh` re-analyses every deal (both databases); on PostgreSQL a
queued job is done exactly once while two worker processes share the queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from buyersync.config import Settings
from buyersync.method.model import Analysis, Deal
from buyersync.method.planner import plan
from buyersync.method.stages import STAGES, Lang, Stage
from buyersync.services import jobs
from buyersync.services.deals import DealService
from buyersync.store import jobqueue
from tests.integration.conftest import deal, tagged_analyzer, tagged_location

TAGS = ["problem", "pain", "goal", "requirements", "measures", "solution", "value"]


def later_analyzer(calls: list[str]) -> Callable[[Deal], Analysis]:
    """A "new model": reads each tagged item one stage later than the tagged analyzer
    did (counting the deals it is asked about)."""

    def analyze(d: Deal) -> Analysis:
        calls.append(d.id or "")
        locations = []
        for item in d.evidence:
            loc = tagged_location(item.text)
            if loc is not None:
                moved = STAGES[min(STAGES.index(loc.stage) + 1, len(STAGES) - 1)]
                loc = loc.model_copy(update={"stage": moved, "scores": {
                    s: (0.92 if s is moved else 0.01) for s in STAGES}})
            locations.append(loc)
        stage = next((loc.stage for loc in reversed(locations) if loc), Stage.problem)
        return plan(d, stage=stage, stage_source="evidence", lang=d.lang or Lang.en,
                    drivers=d.drivers, locations=locations)

    return analyze


def test_refresh_reanalyses_every_deal_and_saves_what_moved(db_url, clock):
    with DealService(db_url, settings=Settings(stalled_days=21), analyzer=tagged_analyzer,
                     clock=clock) as old:
        ids = [old.create(deal(name=f"deal {i}", evidence=[{"text": f"[{tag}] note {i}"}]))
               for i, tag in enumerate(TAGS)]
        before = {s.id: s for s in old.list(limit=None)}
    clock.advance(1)
    calls: list[str] = []
    with DealService(db_url, analyzer=later_analyzer(calls), clock=clock,
                     actor="ops") as new:
        seen: list[tuple[int, int]] = []
        report = jobs.refresh_all(new, page=3, progress=lambda n, total: seen.append((n, total)))
        assert report.seen == len(TAGS) and report.changed == len(TAGS)
        assert sorted(calls) == sorted(ids)  # each deal analysed once, over three pages
        assert seen == [(3, 7), (6, 7), (7, 7)]
        after = {s.id: s for s in new.list(limit=None)}
        for i, tag in zip(ids, TAGS, strict=True):
            assert before[i].stage.value == tag
            assert after[i].stage is STAGES[STAGES.index(Stage(tag)) + 1]
            assert after[i].updated_at > before[i].updated_at
            view = new.get(i)
            assert view.history[-1].cause == "refresh"
            assert view.history[-1].from_stage is Stage(tag)
            assert view.evidence[0].stage is after[i].stage
        # nothing moves the second time: no write, the versions stay
        calls.clear()
        again = jobs.refresh_all(new, page=3)
        assert (again.seen, again.changed) == (len(TAGS), 0)
        assert len(calls) == len(TAGS)
        assert {s.id: s.updated_at for s in new.list(limit=None)} == {
            i: s.updated_at for i, s in after.items()}
        from buyersync.store.team import audit_entries

        refreshed = [e for e in audit_entries(new.engine, limit=100) if e["action"] == "refresh"]
        assert sorted(e["deal_id"] for e in refreshed) == sorted(ids)
        assert {e["username"] for e in refreshed} == {"ops"}


def test_refresh_leaves_closed_deals_closed_when_they_were(db_url, clock):
    with DealService(db_url, analyzer=tagged_analyzer, clock=clock) as old:
        won = old.create(deal(name="won", outcome="won", evidence=[{"text": "[value] yes"}]))
        closed_at = old.get(won).closed_at
    clock.advance(3)
    with DealService(db_url, analyzer=later_analyzer([]), clock=clock) as new:
        assert jobs.refresh_all(new).changed == 1
        view = new.get(won)
        assert view.deal.outcome.value == "won" and view.closed_at == closed_at


def test_a_sqlite_workspace_runs_jobs_inline_and_has_no_queue(sqlite_url, tmp_path):
    with DealService(sqlite_url, analyzer=tagged_analyzer) as service:
        service.create(deal(evidence=[{"text": "[goal] aims"}]))
        done = jobs.submit(service, "refresh", {}, queue=True)
        assert not done.queued and done.result == {"seen": 1, "changed": 0}
        from buyersync.errors import BadInput

        with pytest.raises(BadInput, match="PostgreSQL"):
            jobs.work(service, once=True)
        with pytest.raises(BadInput, match="PostgreSQL"):
            jobs.list_jobs(service)


def _crm_file(folder: Path, n: int, rows: int) -> Path:
    path = folder / f"crm{n}.csv"
    lines = ["name,notes"] + [f"job {n} deal {r},the goal of row {r}"
                                     for r in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _worker(url: str, name: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BUYERSYNC_DB": url}
    with log.open("wb") as err:  # the child keeps its own copy of the file
        return subprocess.Popen([sys.executable, "-m", "buyersync.cli", "jobs", "worker",
                                 "--name", name], env=env, stdout=subprocess.DEVNULL,
                                stderr=err)


def _registered_workers(service: DealService) -> int:
    from sqlalchemy import text

    with service.engine.connect() as conn:
        return int(conn.execute(text(
            f"SELECT count(*) FROM {jobqueue.QUEUE_SCHEMA}.procrastinate_workers")).scalar_one())


def test_each_queued_job_is_done_exactly_once_by_two_workers(pg_url, tmp_path):
    """Two worker processes on one queue: every job runs once, each in one worker, and
    what the jobs did (deals created by CRM imports) happened once."""
    jobs_n, rows = 16, 3
    files = [_crm_file(tmp_path, n, rows) for n in range(jobs_n)]
    with DealService(pg_url) as service:  # creates the schema, the queue's included
        workers = [_worker(pg_url, f"w{k}", tmp_path / f"w{k}.log") for k in range(2)]
        try:
            deadline = time.monotonic() + 90
            while _registered_workers(service) < 2:
                assert time.monotonic() < deadline, "the workers did not start"
                assert all(w.poll() is None for w in workers), (tmp_path / "w0.log").read_text()
                time.sleep(0.2)
            queued = [jobs.submit(service, "crm", jobs.job_args(
                "crm", file=f, source="csv", actor="tester")).job_id for f in files]
            queued += jobs.submit(service, "refresh", {}).job_ids
            while {j.status for j in jobs.list_jobs(service, limit=100)} - {"succeeded",
                                                                               "failed"}:
                assert time.monotonic() < deadline, jobs.list_jobs(service, limit=100)
                time.sleep(0.3)
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(timeout=60)
        done = jobs.list_jobs(service, limit=100)
        assert sorted(j.id for j in done) == sorted(queued)
        assert {j.status for j in done} == {"succeeded"}, done
        assert all(j.attempts == 1 for j in done)
        events = jobqueue.job_events(service.engine)
        started = [job for job, kind in events if kind == "started"]
        assert sorted(started) == sorted(queued)  # each job started exactly once
        # what the jobs did happened once: every CRM row is one deal, none twice
        names = sorted(s.name for s in service.list(limit=None))
        assert names == sorted(f"job {n} deal {r}" for n in range(jobs_n) for r in range(rows))
        # and each job ran in one of the two workers (their own logs say so)
        ran = {k: _started_in(tmp_path / f"w{k}.log") for k in range(2)}
        assert sorted(ran[0] + ran[1]) == sorted(queued)
        assert ran[0] and ran[1], ran  # both workers took jobs from the one queue


def _started_in(log: Path) -> list[int]:
    import re

    text = log.read_text(encoding="utf-8", errors="replace")
    return [int(m) for m in re.findall(r"Starting job buyersync\.\w+\[(\d+)\]", text)]


def test_queue_schema_lives_apart_and_a_refresh_waits_only_once(pg_url):
    from buyersync.errors import BadInput
    from buyersync.store import db

    with DealService(pg_url, analyzer=tagged_analyzer) as service:
        service.create(deal(evidence=[{"text": "[goal] aims"}]))
        first = jobs.submit(service, "refresh", {})
        assert first.queued and first.job_id is not None
        with pytest.raises(BadInput, match="already waiting"):
            jobs.submit(service, "refresh", {})
        waiting = jobs.list_jobs(service, status="todo")
        assert [(j.id, j.task, j.status) for j in waiting] == [
            (first.job_id, "buyersync.refresh_range", "todo")]
        jobs.work(service, once=True)
        assert [j.status for j in jobs.list_jobs(service)] == ["succeeded"]
    # the workspace's own tables do not see the queue's; a downgrade drops it whole
    assert db.downgrade(pg_url, "0008") == "0008"
    engine = db.make_engine(pg_url)
    try:
        from sqlalchemy import inspect

        assert jobqueue.QUEUE_SCHEMA not in inspect(engine).get_schema_names()
    finally:
        engine.dispose()
    assert db.upgrade(pg_url) == db.head_revision()


def test_refresh_leaves_every_current_analysis_in_the_cache(real_service):
    from buyersync.services import analysis_cache
    from buyersync.services.demo import demo_deals
    from buyersync.store import cache, db

    ids = [i for i, _ in real_service.import_deals(demo_deals())]
    db.in_transaction(real_service.engine, lambda conn: cache.clear(conn, ids), write=True)
    report = jobs.refresh_all(real_service, page=4)
    assert report.seen == len(ids)
    key = real_service.cache_key
    assert key is not None
    for deal_id in ids:
        found = db.in_transaction(real_service.engine,
                                  lambda conn, d=deal_id: cache.probe(conn, d, key), write=False)
        assert found is not None and found.stamp == analysis_cache.stamp(found) and found.payload


def test_the_ranges_of_a_refresh_cover_every_deal_once(db_url, clock):
    with DealService(db_url, analyzer=tagged_analyzer, clock=clock) as service:
        ids = sorted(service.create(deal(name=f"d{i}", evidence=[{"text": "[goal] x"}]))
                     for i in range(7))
        ranges = jobs.refresh_ranges(service, span=3)
        assert ranges == [(None, ids[2]), (ids[2], ids[5]), (ids[5], None)]
        seen = [jobs.refresh_all(service, after=a, until=u).seen for a, u in ranges]
        assert seen == [3, 3, 1]


def test_a_queued_refresh_is_shared_out_in_ranges(pg_url, clock, monkeypatch):
    with DealService(pg_url, analyzer=tagged_analyzer, clock=clock) as old:
        ids = [old.create(deal(name=f"deal {i}", evidence=[{"text": f"[{tag}] note"}]))
               for i, tag in enumerate(TAGS)]
    monkeypatch.setattr(jobs, "REFRESH_SPAN", 3)
    clock.advance(1)
    calls: list[str] = []
    with DealService(pg_url, analyzer=later_analyzer(calls), clock=clock) as new:
        queued = jobs.submit(new, "refresh", {"actor": "ops"})
        assert queued.queued and len(queued.job_ids) == 3  # 7 deals, 3 per range
        jobs.work(new, once=True)
        done = jobs.list_jobs(new)
        assert sorted(j.id for j in done) == sorted(queued.job_ids)
        assert {(j.task, j.status) for j in done} == {("buyersync.refresh_range", "succeeded")}
        assert sorted(calls) == sorted(ids)  # every deal re-analysed, once
        assert all(new.get(i).history[-1].cause == "refresh" for i in ids)
