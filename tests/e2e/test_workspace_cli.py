"""The workspace commands, run as a user runs them, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = [sys.executable, "-m", "buyersync.cli"]

DEAL = """\
name: 智慧仓储招标
customer: 某医药公司
lang: zh
evidence:
  - text: "物流中心刘经理微信说，公司今年要上新的仓储管理系统。"
    date: 2026-09-02
    source: wechat
drivers: {problem: competitor, pain: competitor}
competitors: [捷仓科技]
contacts:
  - {name: 陈总, title: 总经理, role: economic_buyer, met: false}
planned_actions:
  - {kind: quote, text: 按要求报价}
amount: 1800000
currency: CNY
owner: 林晓
"""

ENGLISH = """\
name: Fleet telematics
lang: en
stage: pain
drivers: {problem: us}
owner: sam
"""


def run(*args: str, db: str | None = None, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--db", db] if db else []
    environment = {**os.environ, "COLUMNS": "200", **(env or {})}
    environment.pop("BUYERSYNC_DB", None) if db else None
    return subprocess.run([*EXE, *args, *extra], input=stdin, capture_output=True, text=True,
                          timeout=120, env=environment)


def ok(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode == 0, p.stderr
    return p.stdout


def write(tmp_path: Path, text: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def one_line_error(p: subprocess.CompletedProcess[str], needle: str) -> None:
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in p.stderr, p.stderr


def test_import_list_show_and_export_round_trip(db_url, tmp_path):
    files = [write(tmp_path, DEAL, "zh.yaml"), write(tmp_path, ENGLISH, "en.yaml")]
    imported = json.loads(ok(run("deals", "import", *files, "--format", "json", db=db_url)))
    assert [d["name"] for d in imported] == ["智慧仓储招标", "Fleet telematics"]
    zh_id = imported[0]["id"]

    listed = json.loads(ok(run("deals", "list", "--format", "json", db=db_url)))
    assert {d["id"] for d in listed} == {d["id"] for d in imported}
    for row in listed:
        assert {"id", "name", "customer", "stage", "strategy", "updated_at"} <= set(row)

    shown = json.loads(ok(run("deals", "show", zh_id, "--format", "json", db=db_url)))
    assert shown["id"] == zh_id and shown["name"] == "智慧仓储招标"
    assert shown["contacts"][0]["name"] == "陈总"
    # METHOD.md §2: a competitor shaped the passed stages and no exchange was refused
    assert shown["analysis"]["strategy"] == "pull_back"
    assert {"stage", "moves", "warnings", "tradeoff"} <= set(shown["analysis"])

    for fmt in ("yaml", "json"):
        text = ok(run("deals", "export", zh_id, "--format", fmt, db=db_url))
        assert "智慧仓储招标" in text and "\\u" not in text
        if fmt == "yaml":
            assert "date: 2026-09-02" in text
        path = write(tmp_path, text.replace(zh_id, f"{zh_id}-copy"), f"copy.{fmt}")
        [copy] = json.loads(ok(run("deals", "import", path, "--format", "json", db=db_url)))
        again = json.loads(ok(run("deals", "show", copy["id"], "--format", "json", db=db_url)))
        assert {k: v for k, v in again.items() if k not in ("id", "analysis")} == {
            k: v for k, v in shown.items() if k not in ("id", "analysis")}

    human = ok(run("deals", "show", zh_id, db=db_url))
    assert "智慧仓储招标" in human and "stage history" in human
    assert "Fleet telematics" in ok(run("deals", "list", db=db_url))


def test_importing_a_file_that_carries_an_id_twice_keeps_one_deal(db_url, tmp_path):
    path = write(tmp_path, "id: fixed-1\n" + ENGLISH, "with-id.yaml")
    for _ in range(2):
        assert json.loads(ok(run("deals", "import", path, "--format", "json", db=db_url)))[0][
            "id"] == "fixed-1"
    plain = write(tmp_path, ENGLISH, "plain.yaml")
    for _ in range(2):
        ok(run("deals", "import", plain, "--format", "json", db=db_url))
    assert len(json.loads(ok(run("deals", "list", "--format", "json", db=db_url)))) == 3


def test_adding_evidence_prints_the_new_analysis_and_moves_the_stage(db_url, tmp_path):
    [saved] = json.loads(ok(run("deals", "import", write(tmp_path, DEAL, "d.yaml"),
                                "--format", "json", db=db_url)))
    before = json.loads(ok(run("deals", "show", saved["id"], "--format", "json", db=db_url)))
    p = run("evidence", "add", saved["id"], "--text", "收到招标文件：下周三开标，要求提交技术方案和报价。",
            "--date", "2026-10-08", "--source", "email", "--format", "json", db=db_url)
    analysis = json.loads(ok(p))
    assert analysis["stage"] == "solution" != before["analysis"]["stage"]
    assert analysis["stage_source"] == "evidence"
    after = json.loads(ok(run("deals", "show", saved["id"], "--format", "json", db=db_url)))
    assert after["evidence"][-1] == {"text": "收到招标文件：下周三开标，要求提交技术方案和报价。",
                                     "date": "2026-10-08", "source": "email"}
    assert "solution" in ok(run("deals", "show", saved["id"], db=db_url))


def test_filters_outcomes_and_deletion(db_url, tmp_path):
    # the Chinese deal's only evidence is years old: its stage has not moved for far longer
    # than any stalled threshold (at most 3,650 days); the English one was just created
    long_ago = DEAL.replace("2026-09-02", "2001-01-15")
    ids = [d["id"] for d in json.loads(ok(run(
        "deals", "import", write(tmp_path, long_ago, "a.yaml"), write(tmp_path, ENGLISH, "b.yaml"),
        "--format", "json", db=db_url)))]

    def listed(*filters: str) -> list[str]:
        return [d["id"] for d in json.loads(ok(run("deals", "list", "--format", "json",
                                                   *filters, db=db_url)))]

    assert listed("--stalled") == [ids[0]]
    assert listed("--stage", "pain") == [ids[1]]
    assert listed("--owner", "林晓") == [ids[0]]
    assert listed("--strategy", "in_step") == [ids[1]]
    shown = json.loads(ok(run("deals", "outcome", ids[0], "lost", "--reason", "价格太高",
                              "--format", "json", db=db_url)))
    assert shown["outcome"] == "lost" and shown["lost_reason"] == "价格太高"
    assert shown["analysis"]["diagnosis"] is not None
    assert listed("--outcome", "lost") == [ids[0]]
    assert listed("--stalled") == []  # a closed deal is never stalled
    ok(run("deals", "delete", ids[0], db=db_url))
    assert listed() == [ids[1]]
    stats = json.loads(ok(run("deals", "stats", "--format", "json", db=db_url)))
    assert stats["total"] == 1
    one_line_error(run("deals", "list", "--stage", "closing", db=db_url), "stage")


@pytest.mark.parametrize("command", [
    ["deals", "show", "missing-id"], ["deals", "export", "missing-id"],
    ["deals", "delete", "missing-id"], ["deals", "outcome", "missing-id", "won"],
    ["evidence", "add", "missing-id", "--text", "hello"],
])
def test_an_unknown_id_exits_2_with_one_line(db_url, command):
    one_line_error(run(*command, "--format", "json", db=db_url), "missing-id")


@pytest.mark.parametrize(("url", "needle"), [
    ("mysql://root@localhost/x", "not a usable database URL"),
    ("nonsense", "not a usable database URL"),
    ("sqlite:////no/such/folder/w.sqlite3", "does not exist"),
    ("postgresql://nobody@127.0.0.1:9/none", "cannot open the workspace database"),
])
def test_a_bad_database_url_exits_2_with_one_line(url, needle):
    one_line_error(run("deals", "list", "--format", "json", db=url), needle)


def test_the_database_comes_from_buyersync_db_when_no_option_is_given(sqlite_url, tmp_path):
    env = {"BUYERSYNC_DB": sqlite_url}
    ok(run("deals", "import", write(tmp_path, ENGLISH, "e.yaml"), env=env))
    assert len(json.loads(ok(run("deals", "list", "--format", "json", env=env)))) == 1
    assert Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_a_bad_file_among_several_imports_none_of_them(db_url, tmp_path):
    p = run("deals", "import", write(tmp_path, ENGLISH, "good.yaml"),
            write(tmp_path, "name: x\nstage: closing\n", "bad.yaml"), "--format", "json",
            db=db_url)
    one_line_error(p, "bad.yaml")
    assert json.loads(ok(run("deals", "list", "--format", "json", db=db_url))) == []


def test_db_upgrade_creates_the_schema_and_says_its_revision(db_url):
    out = json.loads(ok(run("db", "upgrade", "--format", "json", db=db_url)))
    assert out["revision"] and "password" not in out["url"]
    assert "revision" in ok(run("db", "upgrade", db=db_url))


def test_backup_and_restore_copy_the_whole_workspace(db_url, tmp_path):
    # the Chinese deal's only evidence is years old: its stage has not moved for far longer
    # than any stalled threshold (at most 3,650 days); the English one was just created
    long_ago = DEAL.replace("2026-09-02", "2001-01-15")
    ids = [d["id"] for d in json.loads(ok(run(
        "deals", "import", write(tmp_path, long_ago, "a.yaml"), write(tmp_path, ENGLISH, "b.yaml"),
        "--format", "json", db=db_url)))]
    ok(run("evidence", "add", ids[1], "--text", "The VP wants a number by Friday", db=db_url))
    backup = tmp_path / "workspace.jsonl"
    counts = json.loads(ok(run("backup", str(backup), "--format", "json", db=db_url)))["rows"]
    assert counts["deals"] == 2 and counts["evidence"] == 2

    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = json.loads(ok(run("restore", str(backup), "--format", "json", db=target)))
    assert restored["rows"] == counts
    for deal_id in ids:
        assert ok(run("deals", "export", deal_id, db=target)) == ok(
            run("deals", "export", deal_id, db=db_url))
    one_line_error(run("restore", str(backup), db=target), "--force")
    ok(run("restore", str(backup), "--force", db=target))


def test_a_crm_export_imports_leniently_or_not_at_all_with_strict(db_url, tmp_path):
    export = tmp_path / "Opportunity.csv"
    with export.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([
            ["Id", "Name", "AccountName", "StageName", "Amount", "CloseDate", "Region"],
            ["006A", "ERP rollout", "Acme", "Needs Analysis", "1000", "2026-12-01", "EU"],
            ["006B", "", "Nameless", "Prospecting", "5", "2026-12-01", "EU"],
            ["006C", "Wins", "Globex", "Closed Won", "7", "2026-05-01", "US"],
        ])
    p = run("deals", "import-crm", str(export), "--from", "salesforce", "--strict",
            "--format", "json", db=db_url)
    one_line_error(p, "row 3")
    assert json.loads(ok(run("deals", "list", "--format", "json", db=db_url))) == []

    report = json.loads(ok(run("deals", "import-crm", str(export), "--from", "salesforce",
                               "--format", "json", db=db_url)))
    assert [d["id"] for d in report["imported"]] == ["sf-006A", "sf-006C"]
    assert [s["row"] for s in report["skipped"]] == [3]
    assert report["unknown_columns"] == ["Region"]
    human = run("deals", "import-crm", str(export), "--from", "salesforce", db=db_url)
    assert "imported 2 deals from" in ok(human) and "row 3" in human.stderr
    shown = json.loads(ok(run("deals", "show", "sf-006A", "--format", "json", db=db_url)))
    assert shown["stage"] == "requirements" and shown["amount"] == 1000


def test_the_demo_deals_load_into_an_empty_workspace(db_url):
    loaded = json.loads(ok(run("deals", "load-demo", "--format", "json", db=db_url)))
    assert len(loaded) >= 7
    assert json.loads(ok(run("deals", "load-demo", "--format", "json", db=db_url))) == []


def test_learn_prints_the_contract_object_and_analyses_switch_to_the_team_basis(db_url, tmp_path):
    loaded = json.loads(ok(run("deals", "load-demo", "--history", "120", "--format", "json",
                               db=db_url)))
    learned = json.loads(ok(run("learn", "--format", "json", db=db_url)))
    assert {"closed_deals", "basis", "cells", "stall_days", "forecast", "backtest"} <= set(learned)
    assert learned["basis"] == "team" and learned["closed_deals"] >= 20
    cell = learned["cells"][0]
    assert set(cell) >= {"entry_stage", "played", "n", "won", "win_probability", "low", "high",
                         "median_days", "days_low", "days_high"}
    assert all(c["low"] <= c["win_probability"] <= c["high"] for c in learned["cells"])
    assert {"brier", "baseline_brier"} <= set(learned["backtest"])
    # the simulated deals carry dated stage moves: some stages' stall thresholds are learned
    assert learned["stall_learned"] and set(learned["stall_days"]) == {
        "problem", "pain", "goal", "requirements", "measures", "solution", "value", "risk", "cost"}
    assert {f["currency"] for f in learned["forecast"]} <= {"CNY", "USD"}
    assert all(f["p10"] <= f["p50"] <= f["p90"] <= f["open_amount"] for f in learned["forecast"])
    # a saved deal's analysis now uses the team's figures, a plain file analysis the priors
    shown = json.loads(ok(run("deals", "show", loaded[0]["id"], "--format", "json", db=db_url)))
    trade = shown["analysis"]["tradeoff"]
    assert trade["basis"] == "team" and trade["low"] <= trade["win_probability"] <= trade["high"]
    assert isinstance(trade["n"], int)
    plain = json.loads(ok(run("analyze", write(tmp_path, ENGLISH, "d.yaml"), "--format", "json")))
    assert plain["tradeoff"]["basis"] == "priors" and plain["tradeoff"].get("low") is None


def test_learn_on_an_empty_workspace_keeps_the_priors(db_url):
    learned = json.loads(ok(run("learn", "--format", "json", db=db_url)))
    assert learned["closed_deals"] == 0 and learned["basis"] == "priors"
    assert learned["backtest"] is None and learned["forecast"] == []
    assert len(learned["cells"]) == 36


def test_history_fields_round_trip_through_import_and_export(db_url, tmp_path):
    text = ENGLISH + "opened: 2026-01-05\nclosed: 2026-04-20\noutcome: won\n" \
        "entry_stage: goal\nplayed: pull_back\n"
    [made] = json.loads(ok(run("deals", "import", write(tmp_path, text, "h.yaml"),
                               "--format", "json", db=db_url)))
    back = json.loads(ok(run("deals", "export", made["id"], "--format", "json", db=db_url)))
    assert (back["opened"], back["closed"], back["entry_stage"], back["played"]) == \
        ("2026-01-05", "2026-04-20", "goal", "pull_back")
    bad = run("deals", "import", write(tmp_path, ENGLISH + "played: chase\n", "b.yaml"), db=db_url)
    one_line_error(bad, "played")


def test_the_workspace_commands_speak_the_users_language(tmp_path):
    """Help, table headings and the lines they print follow BUYERSYNC_LANG (else LANG)."""
    db = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    deal = write(tmp_path, DEAL, "deal.yaml")
    zh = {"BUYERSYNC_LANG": "zh"}
    imported = run("deals", "import", deal, db=db, env=zh)
    assert "导入了 1 个交易" in ok(imported) and "imported" not in imported.stdout
    listed = ok(run("deals", "list", db=db, env={"LANG": "zh_CN.UTF-8"}))
    assert "负责人" in listed and "owner" not in listed
    deal_id = json.loads(ok(run("deals", "list", "--format", "json", db=db)))[0]["id"]
    shown = ok(run("deals", "show", deal_id, db=db, env=zh))
    assert "阶段历史" in shown and "stage history" not in shown
    assert "在当前阶段" in shown
    assert "交易负责人" in ok(run("deals", "list", "--help", env=zh))
    english = ok(run("deals", "show", deal_id, db=db, env={"BUYERSYNC_LANG": "en"}))
    assert "stage history" in english and "阶段历史" not in english
    assert "已删除" in ok(run("deals", "delete", deal_id, db=db, env=zh))
    assert "没有交易" in run("deals", "list", db=db, env=zh).stderr
