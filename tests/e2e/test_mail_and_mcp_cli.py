"""`buyersync evidence import-mail` and `buyersync mcp` run as a user (or an assistant) runs
them: the CLI's JSON, its errors, and MCP over stdio with the server as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from tests.mailbox_builder import build, write

EXE = [sys.executable, "-m", "buyersync.cli"]


def run(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUYERSYNC_DB": db, "BUYERSYNC_LANG": "en"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=300)


def test_import_mail_prints_the_contract_json_and_a_second_run_adds_nothing(tmp_path: Path):
    db = f"sqlite:///{tmp_path}/w.db"
    box = build(per_deal=6)
    paths = [str(p) for p in write(box, tmp_path / "mail")]
    (tmp_path / "deals").mkdir()
    files = []
    for i, d in enumerate(box.deals):
        files.append(tmp_path / "deals" / f"{i}.json")
        files[-1].write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert run("deals", "import", *map(str, files), db=db).returncode == 0
    first = run("evidence", "import-mail", *paths, "--format", "json", db=db)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert set(report) == {"attached", "unmatched", "duplicates"}
    assert {"deal_id", "message_id", "date"} <= set(report["attached"][0])
    assert {"message_id", "from", "subject"} <= set(report["unmatched"][0])
    assert len(report["attached"]) == sum(1 for d in box.truth.values() if d)
    assert report["duplicates"] == box.duplicates
    again = json.loads(run("evidence", "import-mail", *paths, "--format", "json", db=db).stdout)
    assert again["attached"] == [] and again["duplicates"] == len(report["attached"]) + 20


def test_import_mail_of_a_missing_file_is_one_line_and_exit_2(tmp_path: Path):
    done = run("evidence", "import-mail", str(tmp_path / "gone.mbox"), "--format", "json",
               db=f"sqlite:///{tmp_path}/w.db")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "gone.mbox" in done.stderr


def test_an_assistant_over_stdio_lists_tools_adds_evidence_and_reads_it_back(tmp_path: Path):
    db = f"sqlite:///{tmp_path}/w.db"
    deal = tmp_path / "deal.yaml"
    deal.write_text("name: 港口调度系统\nlang: zh\nstage: requirements\n", encoding="utf-8")
    deal_id = json.loads(run("deals", "import", str(deal), "--format", "json", db=db).stdout)[0]["id"]
    server = StdioServerParameters(command=sys.executable, args=["-m", "buyersync.cli", "mcp"],
                                   env={"BUYERSYNC_DB": db, "PATH": os.environ.get("PATH", "")})

    async def main() -> tuple[Any, Any, Any]:
        async with Client(server) as client:
            tools = await client.list_tools()
            added = await client.call_tool("add_evidence", {
                "deal_id": deal_id, "text": "客户发来招标书，要求两周内回应。", "source": "email"})
            shown = await client.call_tool("get_deal", {"deal_id": deal_id})
            return tools, added, shown

    tools, added, shown = anyio.run(main)
    assert {"locate", "analyze_deal", "add_evidence", "get_deal"} <= {t.name for t in tools.tools}
    assert not added.is_error
    deal_now = json.loads(shown.content[0].text)
    assert deal_now["evidence"][-1]["text"] == "客户发来招标书，要求两周内回应。"
    assert json.loads(added.content[0].text) == deal_now["analysis"]
    cli = json.loads(run("deals", "show", deal_id, "--format", "json", db=db).stdout)
    assert cli == deal_now


def test_deals_letter_without_a_model_prints_the_plans_template_letter(tmp_path: Path):
    db = f"sqlite:///{tmp_path}/w.db"
    deal = tmp_path / "deal.yaml"
    deal.write_text("name: 综合体设计招标\nlang: zh\nstage: solution\n"
                    "drivers: {problem: competitor, requirements: competitor}\n", encoding="utf-8")
    deal_id = json.loads(run("deals", "import", str(deal), "--format", "json", db=db).stdout)[0]["id"]
    done = run("deals", "letter", deal_id, "--kind", "exchange_conditions", "--format", "json", db=db)
    assert done.returncode == 0, done.stderr
    shown = json.loads(run("deals", "show", deal_id, "--format", "json", db=db).stdout)
    letter = [x for x in shown["analysis"]["letters"] if x["kind"] == "exchange_conditions"][0]
    assert json.loads(done.stdout) == {**letter, "source": "template"}
    missing = run("deals", "letter", deal_id, "--kind", "walk_away", db=db)
    assert missing.returncode == 2 and "walk_away" in missing.stderr
