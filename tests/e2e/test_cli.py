"""The installed `buyersync` command, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from buyersync.method.stages import STAGES

EXE = [sys.executable, "-m", "buyersync.cli"]


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return subprocess.run([*EXE, *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def write(tmp_path: Path, text: str, name: str = "deal.yaml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


DEAL = """
name: 智慧仓储招标
customer: 某医药公司
stage: solution
drivers: {problem: competitor, pain: competitor, goal: competitor, requirements: competitor, measures: competitor}
competitors: [捷仓科技]
capabilities: [reference_frame]
contacts:
  - {name: 陈总, title: 总经理, role: economic_buyer}
planned_actions:
  - {kind: quote, text: 按要求报价}
"""


def test_analyze_json_follows_the_contract(tmp_path):
    p = run("analyze", write(tmp_path, DEAL), "--format", "json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    for key in ["stage", "stage_source", "strategy", "target_stage", "alternatives", "moves",
                "questions", "letters", "warnings", "tradeoff", "diagnosis"]:
        assert key in out
    assert out["strategy"] == "pull_back" and out["stage_source"] == "given"
    assert {"step", "stage", "title", "why", "say"} <= set(out["moves"][0])
    assert any(letter["kind"] == "exchange_conditions" for letter in out["letters"])
    assert "following" in {w["code"] for w in out["warnings"]}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out["moves"][0]["say"])


def test_analyze_reads_standard_input_and_switches_language():
    p = run("analyze", "-", "--format", "json", "--lang", "en", stdin=DEAL)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in out["moves"][0]["title"])


def test_analyze_human_output_shows_the_track_and_the_plan(tmp_path):
    p = run("analyze", write(tmp_path, DEAL), env={"COLUMNS": "160"})
    assert p.returncode == 0, p.stderr
    for word in ["问题", "成本", "客户在这里", "向后拉", "话术"]:
        assert word in p.stdout


@pytest.mark.parametrize(("evidence", "stage"), [
    # METHOD.md §1: a tender in hand is the solution stage; a stoppage's cost is a pain
    ("We received the RFP today; proposals are due on the 14th and the bid opening is public.",
     "solution"),
    ("Every stoppage on line 3 costs us about 40,000 dollars and the plant manager is furious.",
     "pain"),
])
def test_analyze_locates_a_deal_without_a_stage(tmp_path, evidence, stage):
    deal = f"name: RFP\nevidence:\n  - text: \"{evidence}\"\n"
    p = run("analyze", write(tmp_path, deal), "--format", "json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["stage_source"] == "evidence"
    assert out["stage"] == stage


@pytest.mark.parametrize(("content", "needle"), [
    ("name: x\nstage: closing\n", "stage"),
    ("{{{", "line"),
    ("", "empty"),
    ("name: x\ncapabilities: [magic]\n", "capabilities"),
])
def test_bad_input_exits_2_with_one_line_and_no_output(tmp_path, content, needle):
    p = run("analyze", write(tmp_path, content), "--format", "json")
    assert p.returncode == 2
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in p.stderr


def test_binary_file_exits_2(tmp_path):
    f = tmp_path / "junk.yaml"
    f.write_bytes(os.urandom(4096))
    p = run("analyze", str(f))
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_locate_json_object():
    p = run("locate", "--format", "json", stdin="收到招标代理发来的招标文件，下周三开标。")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out["scores"]) == {s.value for s in STAGES}
    assert abs(sum(out["scores"].values()) - 1) <= 0.01
    assert out["confidence"] == out["scores"][out["stage"]]
    text = "收到招标代理发来的招标文件，下周三开标。"
    assert all(s["text"] in text for s in out["signals"])


def test_locate_empty_input_exits_2():
    p = run("locate", "--format", "json", stdin="   ")
    assert p.returncode == 2 and p.stdout == ""


def test_locate_jsonl_keeps_order_and_ids():
    lines = [{"id": i, "text": t} for i, t in enumerate(
        ["Send us your best and final offer by Friday.", "我们老是出现数据对不上的情况，也不知道为什么。",
         "The board wants the payback period before approving."])]
    stdin = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    p = run("locate", "--format", "jsonl", stdin=stdin)
    assert p.returncode == 0, p.stderr
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert [o["id"] for o in out] == [0, 1, 2]


def test_locate_jsonl_bad_line_keeps_alignment_and_exits_2():
    stdin = '{"id": 1, "text": "hello there, the plant keeps stalling"}\nnot json\n{"id": 3, "text": "final price"}\n'
    p = run("locate", "--format", "jsonl", stdin=stdin)
    assert p.returncode == 2
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(out) == 3 and "error" in out[1] and out[2]["id"] == 3
    assert "line 2" in p.stderr


@pytest.mark.parametrize("name", ["deal", "analysis", "location"])
def test_schema_is_json_schema(name):
    p = run("schema", name)
    assert p.returncode == 0
    assert json.loads(p.stdout)["type"] == "object"


def test_demo_runs():
    p = run("demo", "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["strategy"] == "pull_back"
