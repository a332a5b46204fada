"""A backup restores every row of the workspace, on either database, and a damaged one
changes nothing."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import insert, select

from buyersync.errors import BadInput
from buyersync.services.backup import EPHEMERAL, read_backup, write_backup
from buyersync.services.deals import DealService
from buyersync.store import db
from tests.integration.conftest import Clock, deal, tagged_analyzer


def fill(service: DealService, clock: Clock) -> None:
    ids = [i for i, _ in service.import_deals([
        deal(name=f"交易 {n}", customer="某集团", owner="ann" if n % 2 else "bob",
             evidence=[{"text": "[problem] 第一次见面", "date": f"2026-01-0{n + 1}"},
                       {"text": "[pain] they costed it", "source": "call"}],
             contacts=[{"name": "赵总", "role": "economic_buyer", "met": True}],
             planned_actions=[{"kind": "meeting", "text": "约见"}],
             drivers={"problem": "us"}, amount=1000.5 * n, currency="CNY")
        for n in range(5)])]
    clock.advance(3)
    service.add_evidence(ids[0], "[solution] 收到招标文件")
    service.record_outcome(ids[1], "lost", "价格")


def snapshot(engine) -> dict[str, list[dict]]:
    """Every row of every table that holds workspace content (not sign-in state or
    caches: backup.EPHEMERAL), in key order."""
    out = {}
    with engine.connect() as conn:
        for table in db.full_metadata().sorted_tables:
            if table.name in EPHEMERAL:
                continue
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(r._mapping) for r in conn.execute(query)]
    return out


def test_a_backup_restores_every_row_into_an_empty_workspace(service, clock, tmp_path):
    fill(service, clock)
    target = tmp_path / "workspace.jsonl"
    counts = write_backup(service.engine, target)
    assert counts["deals"] == 5 and counts["evidence"] == 11 and counts["stage_history"] >= 7
    lines = target.read_text("utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "buyersync-backup"
    assert json.loads(lines[-1])["end"] is True and "交易" in target.read_text("utf-8")

    restored = DealService(f"sqlite:///{tmp_path / 'restored.sqlite3'}", analyzer=tagged_analyzer)
    try:
        assert read_backup(restored.engine, target)[0] == counts
        assert snapshot(restored.engine) == snapshot(service.engine)
    finally:
        restored.close()


def test_a_sqlite_backup_restores_onto_postgresql_and_back(sqlite_url, pg_url, tmp_path):
    clock = Clock()
    source = DealService(sqlite_url, analyzer=tagged_analyzer, clock=clock)
    pg = DealService(pg_url, analyzer=tagged_analyzer)
    again = DealService(f"sqlite:///{tmp_path / 'again.sqlite3'}", analyzer=tagged_analyzer)
    try:
        fill(source, clock)
        write_backup(source.engine, tmp_path / "a.jsonl")
        read_backup(pg.engine, tmp_path / "a.jsonl")
        assert snapshot(pg.engine) == snapshot(source.engine)
        write_backup(pg.engine, tmp_path / "b.jsonl")
        read_backup(again.engine, tmp_path / "b.jsonl")
        assert snapshot(again.engine) == snapshot(source.engine)
        assert pg.get(pg.list()[0].id).deal.customer == "某集团"
    finally:
        for s in (source, pg, again):
            s.close()


def test_restore_refuses_a_workspace_that_is_not_empty_unless_forced(service, clock, tmp_path):
    fill(service, clock)
    target = tmp_path / "b.jsonl"
    write_backup(service.engine, target)
    before = snapshot(service.engine)
    service.create(deal(name="made after the backup"))
    with pytest.raises(BadInput, match="6 deals"):
        read_backup(service.engine, target)
    read_backup(service.engine, target, force=True)
    assert snapshot(service.engine) == before


@pytest.mark.parametrize("damage", ["truncate", "bad_json", "unknown_table", "wrong_counts"])
def test_a_damaged_backup_restores_nothing(service, clock, tmp_path, damage):
    fill(service, clock)
    good = tmp_path / "good.jsonl"
    write_backup(service.engine, good)
    lines = good.read_text("utf-8").splitlines()
    if damage == "truncate":
        lines = lines[: len(lines) // 2]
    elif damage == "bad_json":
        lines[5] = lines[5][:-3]
    elif damage == "unknown_table":
        lines.insert(3, json.dumps({"t": "secrets", "r": {"x": 1}}))
    else:
        lines[-1] = json.dumps({"end": True, "counts": {"deals": 99}})
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", "utf-8")
    with DealService(f"sqlite:///{tmp_path / 'empty.sqlite3'}", analyzer=tagged_analyzer) as empty:
        with pytest.raises(BadInput):
            read_backup(empty.engine, bad)
        assert all(not rows for rows in snapshot(empty.engine).values())


def test_a_file_that_is_not_a_backup_is_bad_input(service, tmp_path):
    other = tmp_path / "deal.jsonl"
    other.write_text('{"name": "a deal"}\n', "utf-8")
    with pytest.raises(BadInput, match="not a buyersync backup"):
        read_backup(service.engine, other)


def test_a_backup_runs_while_another_writer_holds_an_open_transaction(service, clock):
    fill(service, clock)
    expected = snapshot(service.engine)
    deals = db.full_metadata().tables["deals"]
    with service.engine.connect() as writer:
        writer.execution_options(**{db.WRITE: True})
        with writer.begin():
            row = dict(expected["deals"][0], id="uncommitted", name="not yet")
            writer.execute(insert(deals), [row])
            out = io.StringIO()
            write_backup(service.engine, out)  # neither blocks nor sees the open write
            writer.rollback()
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert sum(1 for x in lines if x.get("t") == "deals") == len(expected["deals"])
    assert not any(x.get("r", {}).get("id") == "uncommitted" for x in lines)


def test_a_backup_file_appears_whole_or_not_at_all(service, tmp_path, monkeypatch):
    from buyersync.services import backup as backup_module

    def boom(conn, out):
        out.write("half a line")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(backup_module, "_write_lines", boom)
    with pytest.raises(RuntimeError):
        write_backup(service.engine, tmp_path / "x.jsonl")
    assert not (tmp_path / "x.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".backup-")]
